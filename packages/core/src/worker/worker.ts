import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { encodePayload } from '../payload.ts'
import { retryWhileBusy } from '../busy-retry.ts'
import { TimeSlice } from '../time-slice.ts'
import type { Job } from '../queue/job.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'
import type { AckAndClaimResult, WorkerStorage } from './worker-storage.ts'
import {
  MAX_TIMER_MS,
  optionalInteger,
  optionalMilliseconds,
  optionalSignal,
  requireFunction,
  requireObject,
} from '../validate.ts'
import { backoffDelayS, resolveBackoff, type BackoffOptions, type ResolvedBackoff } from './backoff.ts'
import { RetryLaterError, UnrecoverableError } from './control-errors.ts'

export interface HandlerContext {
  /** Aborted when the worker gives the job up (claim lost, or shutdown timeout passed). */
  signal: AbortSignal
}

export type JobHandler<Payload> = (job: Job<Payload>, context: HandlerContext) => unknown

export interface WorkOptions {
  /** Identifies this worker's claims. Default `host:pid:random`. */
  workerId?: string
  /** Jobs run at once. Default 1. */
  concurrency?: number
  /** Stop (gracefully) when this signal aborts: wire it to SIGTERM. */
  signal?: AbortSignal
  /** Retry delays for handlers that throw. */
  backoff?: BackoffOptions
  /** Renew each running job's claim this often. Default: a third of the visibility timeout. */
  heartbeatIntervalMs?: number
  /**
   * Re-check the queue after this long without a wake, as paranoia. The commit watcher and the
   * next-deadline timer carry every wake; `null` disables the fallback. Default 5000.
   */
  fallbackPollMs?: number | null
  /** How long `stop()` waits for running handlers before releasing their jobs. Default 30000. */
  shutdownTimeoutMs?: number
  /** Move expired jobs to `_honker_dead` this often. Default 60000; `null` disables. */
  sweepIntervalMs?: number | null
  /**
   * Save each handler's return value as the job's result (`db.getResult(job.id)`,
   * `db.waitResult`), in the same transaction as the ack. `ttlS` keeps it that long (default:
   * forever). A value that is not JSON-serialisable fails the job like a throw would.
   */
  results?: boolean | { ttlS?: number }
  /**
   * Where to report failures: retries and lost claims as warnings, dead letters, recovered errors
   * and a fatal stop as errors. `console` works. Default: none (listen to the events instead).
   */
  logger?: WorkerLogger
}

/** The two methods of `console` the worker's `logger` option uses. */
export interface WorkerLogger {
  warn(message: string, ...details: unknown[]): void
  error(message: string, ...details: unknown[]): void
}

export interface WorkerEvents<Payload> {
  /** A handler returned and its job was acked. */
  'job:completed': [job: Job<Payload>, result: unknown]
  /** A handler threw and its job will run again after `delayS`. */
  'job:retried': [job: Job<Payload>, error: unknown, delayS: number]
  /** A handler threw on the last attempt (or threw UnrecoverableError): the job is dead. */
  'job:dead': [job: Job<Payload>, error: unknown]
  /** The claim lapsed or the job was cancelled while running; its outcome was not recorded. */
  'job:lost': [job: Job<Payload>]
  /** The job was handed back to the queue on shutdown. */
  'job:released': [job: Job<Payload>]
  /** A problem the worker recovered from (a busy database, a failed sweep or ack). */
  'worker:error': [error: unknown]
  /** The loop ended; `error` is set when it ended because of one (watcher died, file replaced). */
  'worker:stopped': [error: unknown]
}

export interface WorkerStats {
  claimed: number
  completed: number
  retried: number
  dead: number
  lost: number
  released: number
}

/** How long a worker keeps filling every slot before it lets the watcher stop file events. */
const SATURATED_MS = 20

/** Errors after which the worker cannot go on: its database or watcher is gone. */
function isFatal(error: unknown): boolean {
  return (
    HonkerError.isInstance(error, 'closed') ||
    HonkerError.isInstance(error, 'database_replaced') ||
    HonkerError.isInstance(error, 'watcher_died')
  )
}

interface Running<Payload> {
  job: Job<Payload>
  controller: AbortController
  /** performance.now() at which this job's claim is next renewed. */
  beatAt: number
  settled: Promise<void>
}

/**
 * The worker runtime behind `queue.work(handler)`: claims up to `concurrency` jobs, runs the
 * handler, acks on success, retries with exponential backoff on failure and dead-letters the last
 * failure with its error text. It sleeps until a commit, the next delayed job or claim expiry, so
 * it costs nothing while idle and runs a delayed job on time with no other commits.
 */
export class Worker<Payload = unknown> extends EventEmitter<WorkerEvents<Payload>> {
  readonly id: string
  readonly queue: string
  readonly stats: WorkerStats = { claimed: 0, completed: 0, retried: 0, dead: 0, lost: 0, released: 0 }
  /**
   * Settles when the worker has stopped: no claim loop, and every job it claimed acked, retried,
   * dead-lettered or released. Rejects if it stopped because of an error.
   */
  readonly done: Promise<void>
  readonly #storage: WorkerStorage<Payload>
  readonly #handler: JobHandler<Payload>
  readonly #concurrency: number
  readonly #backoff: ResolvedBackoff
  readonly #heartbeatMs: number
  readonly #fallbackMs: number | null
  readonly #shutdownTimeoutMs: number
  readonly #sweepMs: number | null
  /** TTL of saved results (0 = forever), or null when results are not saved. */
  readonly #resultTtlS: number | null
  /**
   * Keyed by entry, not job id: a job retried at once can be claimed again here while its previous
   * run is still unwinding, and both must count against concurrency until each has finished.
   */
  readonly #running = new Set<Running<Payload>>()
  /** Handlers that returned; acked together with the next claim (one commit per job, not two). */
  #finished: { job: Job<Payload>; result: unknown }[] = []
  readonly #subscription: WakeSubscription
  #beatTimer: NodeJS.Timeout | null = null
  /** When claims started filling every free slot (null: the last one did not). */
  #saturatedSince: number | null = null
  #alarm: NodeJS.Timeout | null = null
  #alarmAt = 0
  /** Busy with a backlog, the loop still lets the event loop run (heartbeats, signals, I/O). */
  readonly #slice = new TimeSlice()
  readonly #signal: AbortSignal | undefined
  #stopping = false
  /** How long the drain after the loop waits for running handlers; `stop({ timeoutMs })` sets it. */
  #drainTimeoutMs: number
  #lastSweep = 0

  /** @internal */
  constructor(storage: WorkerStorage<Payload>, handler: JobHandler<Payload>, options: WorkOptions = {}) {
    super()
    requireFunction(handler, 'handler')
    requireObject(options, 'options')
    if (options.workerId !== undefined && (typeof options.workerId !== 'string' || options.workerId === '')) {
      throw new InvalidArgumentError('workerId', 'must be a non-empty string')
    }
    this.#storage = storage
    this.#handler = handler
    this.queue = storage.queue
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    this.#concurrency = optionalInteger(options.concurrency, 'concurrency', { min: 1, max: 10_000 }) ?? 1
    this.#backoff = resolveBackoff(options.backoff)
    this.#heartbeatMs = Math.min(
      MAX_TIMER_MS,
      optionalMilliseconds(options.heartbeatIntervalMs, 'heartbeatIntervalMs') ??
        Math.max(250, (storage.visibilityTimeoutS * 1000) / 3),
    )
    this.#fallbackMs = options.fallbackPollMs === undefined ? 5000 : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    this.#shutdownTimeoutMs = optionalMilliseconds(options.shutdownTimeoutMs, 'shutdownTimeoutMs') ?? 30_000
    this.#sweepMs = options.sweepIntervalMs === undefined ? 60_000 : (optionalMilliseconds(options.sweepIntervalMs, 'sweepIntervalMs') ?? null)
    this.#signal = optionalSignal(options.signal, 'signal')
    this.#resultTtlS =
      options.results === undefined || options.results === false
        ? null
        : options.results === true
          ? 0
          : (optionalInteger(options.results.ttlS, 'results.ttlS', { min: 0 }) ?? 0)
    this.#drainTimeoutMs = this.#shutdownTimeoutMs
    if (options.logger !== undefined) this.#logTo(options.logger)
    // Subscribe before the first claim: a commit between that claim and the first wait must wake us.
    this.#subscription = storage.subscribe()
    this.done = this.#lifecycle()
    this.done.catch(() => {}) // observed through `done` or 'worker:stopped'; never an unhandled rejection
    if (this.#signal !== undefined) {
      if (this.#signal.aborted) void this.stop()
      else this.#signal.addEventListener('abort', () => void this.stop(), { once: true })
    }
  }

  #logTo(logger: WorkerLogger): void {
    if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
      throw new InvalidArgumentError('logger', 'must have warn() and error() methods, like console')
    }
    const where = (job: Job<Payload>): string => `honker worker ${this.id}: ${this.queue} job ${job.id} (attempt ${job.attempts}/${job.maxAttempts})`
    this.on('job:retried', (job, error, delayS) => logger.warn(`${where(job)} failed, retrying in ${delayS} s:`, error))
    this.on('job:dead', (job, error) => logger.error(`${where(job)} failed for good, moved to the dead letters:`, error))
    this.on('job:lost', (job) => logger.warn(`${where(job)}: claim lost (lapsed, reclaimed or cancelled); its outcome was not recorded`))
    this.on('worker:error', (error) => logger.error(`honker worker ${this.id} (${this.queue}): recovered from an error:`, error))
    this.on('worker:stopped', (error) => {
      if (error !== null) logger.error(`honker worker ${this.id} (${this.queue}) stopped on an error:`, error)
    })
  }

  /** Jobs currently running. */
  get running(): number {
    return this.#running.size
  }

  /**
   * Stop claiming, let running handlers finish (up to `timeoutMs`, default the worker's
   * `shutdownTimeoutMs`), then release what is still running back to the queue.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = optionalMilliseconds(options.timeoutMs, 'timeoutMs')
    // The first stop decides the drain's timeout; the loop reads it only once it has ended.
    if (!this.#stopping && timeoutMs !== undefined && timeoutMs !== null) this.#drainTimeoutMs = timeoutMs
    this.#stopping = true
    this.#subscription.nudge()
    return this.done.catch(() => {})
  }

  /**
   * The claim loop, then the drain: `done` (and 'worker:stopped') must mean that nothing this
   * worker claimed is left `processing`, however the loop ended (a stop, an aborted signal, or a
   * fatal error, after which the outcomes are still recorded where the database allows it).
   */
  async #lifecycle(): Promise<void> {
    let failure: unknown = null
    try {
      await this.#loop()
    } catch (error) {
      failure = error
    }
    await this.#drain(this.#drainTimeoutMs)
    if (failure !== null && !HonkerError.isInstance(failure, 'closed')) {
      this.emit('worker:stopped', failure)
      throw failure
    }
    this.emit('worker:stopped', null)
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#stopping) {
        const pause = this.#slice.yieldIfSpent()
        if (pause !== undefined) {
          await pause
          continue
        }
        let timeoutMs: number | null
        try {
          const free = this.#concurrency - this.#running.size
          if (free > 0 || this.#finished.length > 0) {
            const claimed = await this.#ackFinishedAndClaim(free)
            if (free > 0 && claimed === free) {
              this.#noteSaturated()
              continue
            }
            if (free > 0 && this.#noteNotSaturated()) continue
          }
          await this.#maybeSweep()
          timeoutMs = this.#waitMs(free > 0)
        } catch (error) {
          if (isFatal(error)) throw error
          // Transient (the database stayed busy past busy_timeout): report, pause, try again.
          this.emit('worker:error', error)
          timeoutMs = 100
        }
        this.#setAlarm(timeoutMs)
        if ((await this.#subscription.wait()) !== 'nudge') this.#slice.restart()
      }
    } finally {
      this.#stopping = true
      this.#subscription.close()
      if (this.#alarm !== null) clearTimeout(this.#alarm)
      this.#alarm = null
    }
  }

  /**
   * Ack the handlers that returned and claim up to `limit` new jobs in one transaction; returns how
   * many were claimed. On a failure the finished jobs stay queued for the next try.
   */
  async #ackFinishedAndClaim(limit: number): Promise<number> {
    const finished = this.#finished
    this.#finished = []
    let outcome: AckAndClaimResult<Payload>
    try {
      outcome = await retryWhileBusy(this.#storage, () =>
        this.#storage.ackAndClaim(
          finished.map((entry) => entry.job),
          this.id,
          limit,
        ),
      )
    } catch (error) {
      this.#finished = finished.concat(this.#finished)
      throw error
    }
    finished.forEach((entry, i) => {
      if (outcome.acked[i]) {
        this.stats.completed++
        this.emit('job:completed', entry.job, entry.result)
      } else {
        this.#lost(entry.job)
      }
    })
    this.stats.claimed += outcome.claimed.length
    for (const job of outcome.claimed) this.#start(job)
    return outcome.claimed.length
  }

  /**
   * Every claim filled every free slot: the loop will claim again as soon as a slot frees, so
   * commit wakes are of no use to it. After a while of this, tell the watcher, which then stops
   * its file events (they cost the kernel work on each of this worker's own writes).
   */
  #noteSaturated(): void {
    const now = performance.now()
    if (this.#saturatedSince === null) this.#saturatedSince = now
    else if (now - this.#saturatedSince >= SATURATED_MS) this.#subscription.setInterest(false)
  }

  /**
   * A claim came back short: the backlog is gone, wakes matter again. Returns true when interest
   * had been given up: the loop must then claim once more before it sleeps (re-read after
   * re-subscribing), since a commit may have landed while nobody was listening.
   */
  #noteNotSaturated(): boolean {
    this.#saturatedSince = null
    // A failed subscription (watcher died, file replaced) keeps no interest: fall through to
    // wait(), which reports the failure, instead of claiming again and again.
    if (this.#subscription.interested || this.#subscription.closed) return false
    this.#subscription.setInterest(true)
    return true
  }

  /** Sleep until the next delayed job or claim expiry, bounded by the fallback poll. */
  #waitMs(canClaim: boolean): number | null {
    let wait = canClaim
      ? this.#storage.sleepUntilClaimableMs(this.#fallbackMs)
      : this.#fallbackMs
    if (this.#sweepMs !== null) {
      const untilSweep = Math.max(0, this.#lastSweep + this.#sweepMs - performance.now())
      wait = wait === null ? untilSweep : Math.min(wait, untilSweep)
    }
    return wait
  }

  async #maybeSweep(): Promise<void> {
    if (this.#sweepMs === null || performance.now() - this.#lastSweep < this.#sweepMs) return
    this.#lastSweep = performance.now()
    await retryWhileBusy(this.#storage, () => this.#storage.sweepExpired())
  }

  #start(job: Job<Payload>): void {
    const entry: Running<Payload> = {
      job,
      controller: new AbortController(),
      beatAt: performance.now() + this.#heartbeatMs,
      settled: Promise.resolve(),
    }
    this.#running.add(entry)
    // Unref'd: it must not keep a process alive on its own, and it is left armed when the last job
    // ends (cleared and re-armed per job it would cost what the single timer saves).
    this.#beatTimer ??= setTimeout(() => this.#beatDue(), this.#heartbeatMs).unref()
    entry.settled = this.#run(entry).finally(() => this.#freeSlot(entry))
  }

  /** The job no longer runs here (its heartbeats end with it): the loop may claim into its slot. */
  #freeSlot(entry: Running<Payload>): void {
    if (this.#running.delete(entry)) this.#subscription.nudge()
  }

  /**
   * Renew every claim that is due, then sleep until the next one. One timer for all running jobs,
   * not one per job: at thousands of jobs a second a timer per job is a measurable cost. Entries
   * are kept in due order (all share one interval; a renewed entry moves to the end).
   */
  #beatDue(): void {
    this.#beatTimer = null
    const now = performance.now()
    // At most one pass over the entries there now: a renewed entry goes to the end of the Set,
    // and the iteration would otherwise meet it again.
    let left = this.#running.size
    for (const entry of this.#running) {
      if (left-- === 0 || entry.beatAt > now) break
      this.#running.delete(entry)
      entry.beatAt = now + this.#heartbeatMs
      this.#running.add(entry)
      void this.#heartbeat(entry.job, entry.controller)
    }
    const next = this.#running.values().next()
    if (!next.done) this.#beatTimer = setTimeout(() => this.#beatDue(), Math.max(0, next.value.beatAt - now)).unref()
  }

  #stopHeartbeats(): void {
    if (this.#beatTimer !== null) clearTimeout(this.#beatTimer)
    this.#beatTimer = null
  }

  /**
   * Wake the loop in `timeoutMs` (null: only on a commit or a nudge). One timer for the worker,
   * moved only when an earlier wake is needed; a wake that comes early just makes the loop look
   * again and sleep for what is left.
   */
  #setAlarm(timeoutMs: number | null): void {
    if (timeoutMs === null) return
    const at = performance.now() + timeoutMs
    if (this.#alarm !== null) {
      if (this.#alarmAt <= at) return
      clearTimeout(this.#alarm)
    }
    this.#alarmAt = at
    this.#alarm = setTimeout(() => {
      this.#alarm = null
      this.#subscription.deliver()
    }, Math.min(timeoutMs, MAX_TIMER_MS))
  }

  async #run(entry: Running<Payload>): Promise<void> {
    const { job, controller } = entry
    let result: unknown
    try {
      result = await this.#handler(job, { signal: controller.signal })
    } catch (error) {
      if (controller.signal.aborted) return
      await this.#settleFailure(job, error)
      return
    }
    if (controller.signal.aborted) return
    const completed = (): void => {
      this.stats.completed++
      this.emit('job:completed', job, result)
    }
    const ttlS = this.#resultTtlS
    if (ttlS === null) {
      // Acked by the loop with its next claim. The slot is freed in the same step: were it freed a
      // tick later (by `finally` in #start), the loop could wake in between, see a finished job
      // but no free slot, and commit the ack alone: two commits per job instead of one.
      this.#finished.push({ job, result })
      this.#freeSlot(entry)
      return
    }
    const value = result === undefined ? null : result
    try {
      encodePayload(value, 'result', this.#storage.maxPayloadBytes)
    } catch (error) {
      await this.#settleFailure(job, error)
      return
    }
    await this.#record(job, () => this.#storage.ackWithResult(job, value, ttlS), completed)
  }

  async #settleFailure(job: Job<Payload>, error: unknown): Promise<void> {
    if (UnrecoverableError.isInstance(error) || job.isLastAttempt) {
      await this.#record(job, () => this.#storage.fail(job, error), () => {
        this.stats.dead++
        this.emit('job:dead', job, error)
      })
      return
    }
    const delayS = RetryLaterError.isInstance(error) ? error.delayS : backoffDelayS(job.attempts, this.#backoff)
    await this.#record(job, () => this.#storage.retry(job, delayS, error), () => {
      this.stats.retried++
      this.emit('job:retried', job, error, delayS)
    })
  }

  /**
   * Apply a transition (retrying while another connection holds the write lock); report a lost
   * claim or a database error instead of throwing.
   */
  async #record(job: Job<Payload>, transition: () => boolean, onDone: () => void): Promise<void> {
    try {
      if (await retryWhileBusy(this.#storage, transition)) onDone()
      else this.#lost(job)
    } catch (error) {
      this.emit('worker:error', error)
    }
  }

  #lost(job: Job<Payload>): void {
    this.stats.lost++
    this.emit('job:lost', job)
  }

  async #heartbeat(job: Job<Payload>, controller: AbortController): Promise<void> {
    if (controller.signal.aborted) return
    let owned: boolean
    try {
      owned = await retryWhileBusy(this.#storage, () => this.#storage.heartbeat(job))
    } catch (error) {
      this.emit('worker:error', error)
      return
    }
    if (!owned && !controller.signal.aborted) {
      controller.abort(new HonkerError('claim_lost', `job ${job.id}: claim lost (lapsed, reclaimed or cancelled)`))
      this.#lost(job)
    }
  }

  /** After the loop has ended: ack what finished, claiming nothing. */
  async #flushFinished(): Promise<void> {
    if (this.#finished.length === 0) return
    try {
      await this.#ackFinishedAndClaim(0)
    } catch (error) {
      this.emit('worker:error', error)
    }
  }

  async #drain(timeoutMs: number): Promise<void> {
    const settled = Promise.all([...this.#running].map((entry) => entry.settled))
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), Math.min(timeoutMs, MAX_TIMER_MS))
      }),
    ])
    clearTimeout(timer)
    if (!timedOut) {
      this.#stopHeartbeats()
      return this.#flushFinished()
    }
    const releases = [...this.#running].map((entry) => {
      entry.controller.abort(new HonkerError('closed', 'worker stopped: job released back to the queue'))
      return this.#record(entry.job, () => this.#storage.release(entry.job), () => {
        this.stats.released++
        this.emit('job:released', entry.job)
      })
    })
    this.#running.clear()
    this.#stopHeartbeats()
    await Promise.all(releases)
    await this.#flushFinished()
  }
}
