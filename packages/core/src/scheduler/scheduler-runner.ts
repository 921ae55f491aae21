import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import type { ScheduleOps } from '../engine/schedule-ops.ts'
import type { Mode } from '../executor/executor.ts'
import { Lock } from '../lock/lock.ts'
import type { Transaction } from '../transaction.ts'
import { optionalInteger, optionalSignal, requireName } from '../validate.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'
import type { FiredJob } from './tick.ts'

/** The lock every honker binding's scheduler loop elects its leader with. */
export const SCHEDULER_LOCK_NAME = 'honker-scheduler'

export interface SchedulerRunOptions {
  /** Identifies this process in the lock. Default `host:pid:random`. */
  owner?: string
  /** Stop (and release the lock) when this signal aborts. */
  signal?: AbortSignal
  /** Seconds the leader's lease lasts without a renewal: how long a dead leader blocks takeover. Default 60. */
  lockTtlS?: number
  /** How often a standby re-checks the lock (it also checks on every commit). Default 5. */
  standbyRetryS?: number
}

export interface SchedulerRunnerEvents {
  /** A tick by this process enqueued a job for a task's boundary. */
  'task:fired': [job: FiredJob]
  /** This process became the leader and ticks from now on. */
  'leader:acquired': []
  /** A renew found the lease gone or taken over (this process was frozen past the TTL): it stopped ticking. */
  'leader:lost': []
  /** This process is standing by: another one holds the lock (emitted on each entry into standby). */
  'scheduler:standby': []
  /** A problem the loop recovered from (a busy database, an invalid stored task, a throwing listener). */
  'scheduler:error': [error: unknown]
  /** The loop ended; `error` is set when it ended because of one (database closed, watcher died). */
  'scheduler:stopped': [error: unknown]
}

/** Pause after a recoverable error before trying again. */
const ERROR_RETRY_MS = 1000

function isFatal(error: unknown): boolean {
  return (
    HonkerError.isInstance(error, 'closed') ||
    HonkerError.isInstance(error, 'database_replaced') ||
    HonkerError.isInstance(error, 'watcher_died')
  )
}

/**
 * The scheduler's leader loop (honker's hot standby, docs/compatibility.md 5.1): every running process
 * competes for the `honker-scheduler` lock; the holder ticks, the rest stand by.
 *
 * As leader it sleeps until the next boundary or the next renewal, whichever is first, and wakes
 * early on any commit (so a task registered elsewhere is picked up at once). Each tick runs in the
 * same write transaction as the lease renewal: a leader that was frozen past its TTL finds its lease
 * gone and fires nothing, so two processes never fire the same boundary. Renewal writes a new
 * whole second at most once per second and an idle wake writes nothing, so the loop never wakes
 * itself in a cycle (docs/compatibility.md 8.4).
 *
 * As standby it reads the lock (no write) on every commit and every `standbyRetryS`, and tries to
 * take it the moment the leader's lease lapses or is released.
 *
 * One loop for every engine. All times are the engine's clock: on PostgreSQL the server's, so
 * app servers whose clocks disagree still agree on who leads and when a boundary is due.
 */
export class SchedulerRunner<M extends Mode = 'sync', Tx = Transaction> extends EventEmitter<SchedulerRunnerEvents> {
  readonly owner: string
  /** Settles when the loop has stopped: rejects if it stopped because of an error. */
  readonly done: Promise<void>
  readonly #ops: ScheduleOps<M, Tx>
  readonly #lock: Lock<M, Tx>
  readonly #renewIntervalMs: number
  readonly #standbyRetryMs: number
  readonly #abort = new AbortController()
  readonly #subscription: WakeSubscription
  #leader = false
  #standbyAnnounced = false
  #renewDueMs = 0
  #stopping = false

  /** @internal Use `scheduler.run()`. */
  constructor(ops: ScheduleOps<M, Tx>, options: SchedulerRunOptions = {}) {
    super()
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an options object')
    this.owner = options.owner === undefined ? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` : requireName(options.owner, 'owner')
    const ttlS = optionalInteger(options.lockTtlS, 'lockTtlS', { min: 1, max: 86_400 }) ?? 60
    this.#standbyRetryMs = (optionalInteger(options.standbyRetryS, 'standbyRetryS', { min: 1, max: 86_400 }) ?? 5) * 1000
    // Three renewals per TTL (honker: every 20 s of a 60 s lease), so one slow tick never loses it.
    this.#renewIntervalMs = Math.max(1, Math.floor((ttlS * 1000) / 3))
    const signal = optionalSignal(options.signal, 'signal')
    this.#ops = ops
    this.#lock = new Lock(ops.locks, SCHEDULER_LOCK_NAME, { ttlS, owner: this.owner })
    // Subscribe before the first read: a commit between that read and the first wait must wake us.
    this.#subscription = ops.subscribe()
    this.done = this.#loop()
    this.done.catch(() => {}) // observed through `done` or 'scheduler:stopped'; never an unhandled rejection
    if (signal !== undefined) {
      if (signal.aborted) void this.stop()
      else signal.addEventListener('abort', () => void this.stop(), { once: true })
    }
  }

  /** Whether this process is the leader, as of its last check. */
  get isLeader(): boolean {
    return this.#leader
  }

  /**
   * Stop the loop and release the lock (a standby takes over at once, without waiting for the TTL).
   * Resolves when stopped.
   *
   * ```ts
   * process.on('SIGTERM', () => void runner.stop())
   * ```
   */
  stop(): Promise<void> {
    this.#stopping = true
    this.#abort.abort()
    return this.done.catch(() => {})
  }

  async #loop(): Promise<void> {
    let failure: unknown = null
    try {
      // Let the constructor return (and listeners attach) before the first event.
      await Promise.resolve()
      while (!this.#stopping) {
        let timeoutMs: number
        try {
          timeoutMs = this.#leader ? await this.#lead() : await this.#standBy()
        } catch (error) {
          if (isFatal(error)) throw error
          this.#emit('scheduler:error', error)
          timeoutMs = ERROR_RETRY_MS
        }
        if ((await this.#subscription.wait({ timeoutMs, signal: this.#abort.signal })) === 'aborted') break
      }
    } catch (error) {
      if (!this.#stopping) failure = error
    } finally {
      this.#subscription.close()
      if (this.#leader) {
        this.#leader = false
        try {
          await this.#lock.release()
        } catch {
          // The database is closed: the lease lapses after its TTL.
        }
      }
    }
    this.#emit('scheduler:stopped', failure)
    if (failure !== null) throw failure
  }

  /** One leader step; returns how long to sleep. */
  async #lead(): Promise<number> {
    let nowMs = await this.#ops.nowMs()
    let soonest = await this.#ops.soonest()
    if (nowMs >= this.#renewDueMs || (soonest !== null && soonest * 1000 <= nowMs)) {
      // The tick renews the lease in its own transaction and fires nothing if it was lost.
      const fired = await this.#ops.tick(undefined, this.#lock)
      if (fired === null) {
        this.#leader = false
        this.#standbyAnnounced = false
        this.#emit('leader:lost')
        return 0
      }
      nowMs = await this.#ops.nowMs()
      this.#renewDueMs = nowMs + this.#renewIntervalMs
      for (const job of fired) this.#emit('task:fired', job)
      soonest = await this.#ops.soonest()
    }
    // A boundary is due once the clock reaches its whole second.
    const untilFire = soonest === null ? Infinity : soonest * 1000 - nowMs
    return Math.max(0, Math.min(this.#renewDueMs - nowMs, untilFire))
  }

  /** One standby step; returns how long to sleep. */
  async #standBy(): Promise<number> {
    const nowMs = await this.#ops.nowMs()
    let holder = await this.#lock.peek()
    // Only write when the lock looks free (or is already ours, e.g. after a restart with the same owner).
    if (holder === null || holder.expiresAt * 1000 <= nowMs || holder.owner === this.owner) {
      if (await this.#lock.acquire()) {
        this.#leader = true
        this.#renewDueMs = 0
        this.#emit('leader:acquired')
        return 0
      }
      holder = await this.#lock.peek()
    }
    if (!this.#standbyAnnounced) {
      this.#standbyAnnounced = true
      this.#emit('scheduler:standby')
    }
    // Wake when the holder's lease lapses (a dead leader's, typically), or at the retry interval.
    const untilFree = holder === null ? 0 : holder.expiresAt * 1000 - nowMs
    return Math.max(0, Math.min(this.#standbyRetryMs, untilFree))
  }

  /** Listener errors must not break the loop (or skip the rest of a tick's events). */
  #emit<K extends keyof SchedulerRunnerEvents>(event: K, ...args: SchedulerRunnerEvents[K]): void {
    try {
      ;(this.emit as (event: K, ...args: SchedulerRunnerEvents[K]) => boolean)(event, ...args)
    } catch (error) {
      if (event === 'scheduler:error') return
      try {
        this.emit('scheduler:error', error)
      } catch {
        // A throwing error listener has nowhere left to report to.
      }
    }
  }
}
