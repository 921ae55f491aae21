import { EventEmitter } from 'node:events'
import { HonkerError } from '../errors/honker-error.ts'
import { retryWhileBusy } from '../busy-retry.ts'
import { TimeSlice } from '../time-slice.ts'
import type { Job } from '../queue/job.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'
import { MAX_TIMER_MS, optionalMilliseconds, requireFunction } from '../validate.ts'
import { Heartbeats, type Beating } from './heartbeats.ts'
import { AttemptAbort } from './attempt-abort.ts'
import { JobTimeoutError } from '../errors/job-timeout-error.ts'
import { Settler } from './settle.ts'
import { resolveWorkOptions, type ResolvedWorkOptions, type WorkOptions } from './work-options.ts'
import type { WorkerEvents, WorkerStats } from './worker-events.ts'
import { logWorkerEvents } from './worker-logger.ts'
import type { AckAndClaimResult, WorkerJob, WorkerStorage } from './worker-storage.ts'
import { getInstrumentation, type AttemptObserver, type AttemptOutcome, type Instrumentation } from '../instrumentation.ts'
import { isThenable } from '../executor/executor.ts'

export interface HandlerContext {
  /** Aborted when the worker gives the job up (claim lost, or shutdown timeout passed). */
  signal: AbortSignal
}

export type JobHandler<Payload, J extends WorkerJob = Job<Payload>> = (job: J, context: HandlerContext) => unknown

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

interface Running<Payload, J extends WorkerJob> extends Beating<Payload, J> {
  settled: Promise<void>
}

/**
 * The worker runtime behind `queue.work(handler)`: claims up to `concurrency` jobs, runs the
 * handler, acks on success, retries with exponential backoff on failure and dead-letters the last
 * failure with its error text. It sleeps until a commit, the next delayed job or claim expiry, so
 * it costs nothing while idle and runs a delayed job on time with no other commits.
 *
 * This file is the loop and the lifecycle; the storage operations come from the queue
 * (`worker-storage.ts`), claims are renewed by `heartbeats.ts`, outcomes recorded by `settle.ts`,
 * options checked by `work-options.ts`.
 */
export class Worker<Payload = unknown, J extends WorkerJob = Job<Payload>> extends EventEmitter<WorkerEvents<Payload, J>> {
  readonly id: string
  readonly queue: string
  readonly stats: WorkerStats = { claimed: 0, completed: 0, retried: 0, dead: 0, lost: 0, released: 0 }
  /**
   * Settles when the worker has stopped: no claim loop, and every job it claimed acked, retried,
   * dead-lettered or released. Rejects if it stopped because of an error.
   */
  readonly done: Promise<void>
  readonly #storage: WorkerStorage<Payload, J>
  readonly #handler: JobHandler<Payload, J>
  readonly #options: ResolvedWorkOptions
  readonly #settler: Settler<Payload, J>
  /**
   * Keyed by entry, not job id: a job retried at once can be claimed again here while its previous
   * run is still unwinding, and both must count against concurrency until each has finished. Kept
   * in heartbeat order by `#heartbeats`.
   */
  readonly #running = new Set<Running<Payload, J>>()
  readonly #heartbeats: Heartbeats<Payload, J, Running<Payload, J>>
  /** Handlers that returned; acked together with the next claim (one commit per job, not two). */
  #finished: { job: J; result: unknown }[] = []
  readonly #subscription: WakeSubscription
  /** When claims started filling every free slot (null: the last one did not). */
  #saturatedSince: number | null = null
  #alarm: NodeJS.Timeout | null = null
  #alarmAt = 0
  /** Busy with a backlog, the loop still lets the event loop run (heartbeats, signals, I/O). */
  readonly #slice = new TimeSlice()
  #stopping = false
  /** How long the drain after the loop waits for running handlers; `stop({ timeoutMs })` sets it. */
  #drainTimeoutMs: number
  #lastSweep = 0
  /** When the commit that woke the loop was first seen (`performance.now()`), until its claim. */
  #wokeAt: number | null = null
  /** Each instrumented attempt's observer, ended by the job's outcome event; created on first use. */
  #observers: WeakMap<J, AttemptObserver> | undefined

  /** @internal */
  constructor(storage: WorkerStorage<Payload, J>, handler: JobHandler<Payload, J>, options: WorkOptions = {}) {
    super()
    requireFunction(handler, 'handler')
    const resolved = resolveWorkOptions(options, storage.visibilityTimeoutS)
    this.#storage = storage
    this.#handler = handler
    this.#options = resolved
    this.queue = storage.queue
    this.id = resolved.workerId
    this.#drainTimeoutMs = resolved.shutdownTimeoutMs
    this.#settler = new Settler(storage, resolved.backoff, this)
    this.#heartbeats = new Heartbeats(this.#running, resolved.heartbeatMs, storage, this.#settler)
    if (resolved.logger !== undefined) logWorkerEvents(this, resolved.logger, { id: this.id, queue: this.queue })
    // Subscribe before the first claim: a commit between that claim and the first wait must wake us.
    this.#subscription = storage.subscribe()
    this.done = this.#lifecycle()
    this.done.catch(() => {}) // observed through `done` or 'worker:stopped'; never an unhandled rejection
    const { signal } = resolved
    if (signal !== undefined) {
      if (signal.aborted) void this.stop()
      else signal.addEventListener('abort', () => void this.stop(), { once: true })
    }
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
          const free = this.#options.concurrency - this.#running.size
          if (free > 0 || this.#finished.length > 0) {
            const claimed = await this.#ackFinishedAndClaim(free)
            if (free > 0 && claimed === free) {
              this.#noteSaturated()
              continue
            }
            if (free > 0 && this.#noteNotSaturated()) continue
          }
          await this.#maybeSweep()
          timeoutMs = await this.#waitMs(free > 0)
        } catch (error) {
          if (isFatal(error)) throw error
          // Transient (the database stayed busy past busy_timeout): report, pause, try again.
          this.#settler.error(error)
          timeoutMs = 100
        }
        this.#setAlarm(timeoutMs)
        const woke = await this.#subscription.wait()
        if (woke !== 'nudge') this.#slice.restart()
        this.#wokeAt = woke === 'wake' ? this.#subscription.wokeAt : null
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
    let outcome: AckAndClaimResult<J>
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
      if (outcome.acked[i]) this.#settler.completed(entry.job, entry.result)
      else this.#settler.lost(entry.job)
    })
    this.stats.claimed += outcome.claimed.length
    if (this.#wokeAt !== null) this.#observeWake(this.#wokeAt, outcome.claimed.length)
    for (const job of outcome.claimed) this.#start(job)
    return outcome.claimed.length
  }

  /** A commit woke the loop and its claim took jobs: the wake's latency, for the instrumentation. */
  #observeWake(wokeAt: number, claimed: number): void {
    this.#wokeAt = null
    if (claimed === 0) return
    getInstrumentation()?.woke?.({ queue: this.queue, workerId: this.id, latencyMs: performance.now() - wokeAt, claimed })
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
  async #waitMs(canClaim: boolean): Promise<number | null> {
    const { fallbackMs, sweepMs } = this.#options
    let wait = canClaim ? await this.#storage.sleepUntilClaimableMs(fallbackMs) : fallbackMs
    if (sweepMs !== null) {
      const untilSweep = Math.max(0, this.#lastSweep + sweepMs - performance.now())
      wait = wait === null ? untilSweep : Math.min(wait, untilSweep)
    }
    return wait
  }

  async #maybeSweep(): Promise<void> {
    const { sweepMs } = this.#options
    if (sweepMs === null || performance.now() - this.#lastSweep < sweepMs) return
    this.#lastSweep = performance.now()
    await retryWhileBusy(this.#storage, () => this.#storage.sweepExpired())
  }

  #start(job: J): void {
    const entry: Running<Payload, J> = {
      job,
      abort: new AttemptAbort(),
      beatAt: this.#heartbeats.firstBeatAt(),
      settled: Promise.resolve(),
    }
    this.#running.add(entry)
    this.#heartbeats.arm()
    const instrumentation = getInstrumentation()
    const running = instrumentation === undefined ? this.#run(entry) : this.#runObserved(entry, instrumentation)
    entry.settled = running.finally(() => this.#freeSlot(entry))
  }

  /**
   * An attempt with instrumentation on: its stored trace context is read (a failed read starts a
   * new trace), the handler runs inside the attempt's context, and the job's outcome event ends it.
   * No extra promise when the read is synchronous (SQLite).
   */
  #runObserved(entry: Running<Payload, J>, instrumentation: Instrumentation): Promise<void> {
    let read: string | null | Promise<string | null>
    try {
      read = this.#storage.traceContext?.(entry.job) ?? null
    } catch {
      read = null
    }
    if (!isThenable(read)) return this.#observed(entry, instrumentation, read)
    return read.then(
      (stored) => this.#observed(entry, instrumentation, stored),
      () => this.#observed(entry, instrumentation, null),
    )
  }

  #observed(entry: Running<Payload, J>, instrumentation: Instrumentation, stored: string | null): Promise<void> {
    const { job } = entry
    const observer = instrumentation.attempt(
      {
        id: job.id,
        queue: job.queue ?? this.queue,
        attempts: job.attempts,
        maxAttempts: job.maxAttempts,
        runAt: job.runAt ?? 0,
        createdAt: job.createdAt ?? 0,
        workerId: job.workerId ?? this.id,
      },
      stored,
    )
    this.#observerMap().set(job, observer)
    return this.#run(entry, observer)
  }

  #observerMap(): WeakMap<J, AttemptObserver> {
    if (this.#observers !== undefined) return this.#observers
    const observers = new WeakMap<J, AttemptObserver>()
    this.#observers = observers
    const end = (job: J, outcome: AttemptOutcome): void => {
      const observer = observers.get(job)
      if (observer === undefined) return
      observers.delete(job)
      observer.end(outcome)
    }
    this.on('job:completed', (job) => end(job, { kind: 'completed' }))
    this.on('job:retried', (job, error, delayS) => end(job, { kind: 'retried', error, delayS }))
    this.on('job:dead', (job, error) => end(job, { kind: 'dead', error }))
    this.on('job:lost', (job) => end(job, { kind: 'lost' }))
    this.on('job:released', (job) => end(job, { kind: 'released' }))
    return observers
  }

  /** The job no longer runs here (its heartbeats end with it): the loop may claim into its slot. */
  #freeSlot(entry: Running<Payload, J>): void {
    if (this.#running.delete(entry)) this.#subscription.nudge()
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
      this.#subscription.deliver(null)
    }, Math.min(timeoutMs, MAX_TIMER_MS))
  }

  /**
   * One attempt. With an observer, only the handler's call runs inside the attempt's context: its
   * promises carry the context, the worker's own bookkeeping around it stays outside (context
   * propagation costs on every promise created inside).
   */
  async #run(entry: Running<Payload, J>, observer?: AttemptObserver): Promise<void> {
    const { job, abort } = entry
    const timeout = this.#options.timeoutMs === null ? null : new AttemptTimeout(this.#options.timeoutMs, abort)
    let result: unknown
    try {
      // An own, enumerable accessor: handlers may spread the context (`{ ...context, db }`).
      const context: HandlerContext = {
        get signal() {
          return abort.signal
        },
      }
      const running = observer === undefined ? this.#handler(job, context) : observer.run(() => this.#handler(job, context))
      result = await (timeout === null ? running : Promise.race([running, timeout.expired]))
    } catch (error) {
      // Our own timeout fails the attempt; any other abort (a lost claim, a shutdown) was settled by whoever aborted.
      if (timeout?.fired !== true && abort.aborted) return
      await this.#settler.failed(job, error)
      return
    } finally {
      timeout?.clear()
    }
    if (abort.aborted) return
    const ttlS = this.#options.resultTtlS
    if (ttlS === null) {
      // Acked by the loop with its next claim. The slot is freed in the same step: were it freed a
      // tick later (by `finally` in #start), the loop could wake in between, see a finished job
      // but no free slot, and commit the ack alone: two commits per job instead of one.
      this.#finished.push({ job, result })
      this.#freeSlot(entry)
      return
    }
    await this.#settler.succeeded(job, result, ttlS)
  }

  /** After the loop has ended: ack what finished, claiming nothing. */
  async #flushFinished(): Promise<void> {
    if (this.#finished.length === 0) return
    try {
      await this.#ackFinishedAndClaim(0)
    } catch (error) {
      this.#settler.error(error)
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
      this.#heartbeats.stop()
      return this.#flushFinished()
    }
    const releases = [...this.#running].map((entry) => {
      entry.abort.abort(new HonkerError('closed', 'worker stopped: job released back to the queue'))
      return this.#settler.release(entry.job)
    })
    this.#running.clear()
    this.#heartbeats.stop()
    await Promise.all(releases)
    await this.#flushFinished()
  }
}

/**
 * One attempt's `timeoutMs`: when it lapses (and nothing else aborted the attempt first), abort
 * the handler's signal with a JobTimeoutError and reject `expired` with it.
 */
class AttemptTimeout {
  readonly expired: Promise<never>
  fired = false
  readonly #timer: NodeJS.Timeout

  constructor(timeoutMs: number, abort: AttemptAbort) {
    let reject!: (error: JobTimeoutError) => void
    this.expired = new Promise<never>((_, fail) => (reject = fail))
    this.expired.catch(() => {}) // observed through Promise.race; never an unhandled rejection
    this.#timer = setTimeout(() => {
      if (abort.aborted) return
      this.fired = true
      const error = new JobTimeoutError(timeoutMs)
      abort.abort(error)
      reject(error)
    }, timeoutMs)
  }

  clear(): void {
    clearTimeout(this.#timer)
  }
}
