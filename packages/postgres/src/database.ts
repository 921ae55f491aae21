import {
  listJobs,
  Lock,
  NotificationPruner,
  openListener,
  Outbox,
  Queue,
  RateLimit,
  requireFunction,
  requireName,
  requirePruneLimits,
  requireObject,
  Results,
  Scheduler,
  Stream,
  sweepRateLimits,
  withLock,
  type AutoPruneOptions,
  type JobInfo,
  type Listener,
  type ListJobsOptions,
  type LockContext,
  type LockOps,
  type NotifyOps,
  type QueueEngine,
  type RateLimitOps,
  type ResultLookup,
  type SaveResultOptions,
  type StreamOps,
  type ScheduleOps,
  type SchedulerRunner,
  type StreamSubscription,
  type PublishOptions,
  type WaitResultOptions,
  type WithLockOptions,
} from '@honker/core/engine'
import type { PgEngine } from './engine.ts'
import { pgLockOps, pgRateLimitOps, pgResultOps } from './features/coordination-ops.ts'
import { pgStreamOps } from './features/stream-ops.ts'
import { pgNotifyOps } from './features/notify-ops.ts'
import type { PgOutbox, PgOutboxDelivery, PgQueue } from './features/queue.ts'
import { pgJobOps } from './features/job-ops.ts'
import { pgDeadLetterOps } from './features/dead-letter-ops.ts'
import { pgScheduleOps } from './features/schedule-ops.ts'
import { runTransaction, type PgTransaction } from './features/transaction.ts'
import type { ListenOptions, LockOptions, OutboxOptions, PruneNotificationsOptions, QueueOptions, RateLimitOptions } from '@honker/core'

/** core's Lock and RateLimit on PostgreSQL: every call returns a promise. */
export type PgLock = Lock<'async', PgTransaction>
export type PgRateLimit = RateLimit<'async', PgTransaction>
export type PgSaveResultOptions = SaveResultOptions<PgTransaction>
export type PgLockContext = LockContext<'async', PgTransaction>
/** core's Stream and StreamSubscription on PostgreSQL. */
export type PgStream<Payload = unknown> = Stream<Payload, 'async', PgTransaction>
export type PgStreamSubscription<Payload = unknown> = StreamSubscription<Payload, 'async'>
export type PgPublishOptions = PublishOptions<PgTransaction>
/** core's Scheduler and its leader loop on PostgreSQL. */
export type PgScheduler = Scheduler<'async', PgTransaction>
export type PgSchedulerRunner = SchedulerRunner<'async', PgTransaction>

/**
 * Honker on a PostgreSQL database: the API of `@honker/core`'s Database, each method returning a
 * promise. Made by `open({ postgres: pool })`; the pool stays the app's (closing this does not end it).
 */
export class PgDatabase {
  readonly #engine: PgEngine
  readonly #lockOps: LockOps<'async', PgTransaction>
  readonly #rateLimitOps: RateLimitOps<'async', PgTransaction>
  readonly #results: Results<'async', PgTransaction>
  readonly #queues = new Map<string, PgQueue<unknown>>()
  readonly #queueEngine: QueueEngine<'async', PgTransaction>
  readonly #notifyOps: NotifyOps<'async', PgTransaction>
  readonly #streamOps: StreamOps<'async', PgTransaction>
  readonly #scheduleOps: ScheduleOps<'async', PgTransaction>
  #notificationPruner: NotificationPruner | null = null

  /** @internal Use `open({ postgres })`. */
  constructor(engine: PgEngine) {
    this.#engine = engine
    this.#queueEngine = { jobs: pgJobOps(engine, this), dead: pgDeadLetterOps(engine) }
    this.#notifyOps = pgNotifyOps(engine, this)
    this.#streamOps = pgStreamOps(engine, this)
    this.#scheduleOps = pgScheduleOps(engine, this)
    this.#lockOps = pgLockOps(engine, this)
    this.#rateLimitOps = pgRateLimitOps(engine, this)
    this.#results = new Results(pgResultOps(engine, this))
  }

  /** The schema holding Honker's tables. */
  get schema(): string {
    return this.#engine.schema
  }

  get closed(): boolean {
    return this.#engine.closed
  }

  /** 'listening' when cross-process wakes flow (see WakeSource). */
  get wakeState(): string {
    return this.#engine.wake.state
  }

  /** Problems the wake connection recovered from; returns a function that unsubscribes. */
  onWakeError(listener: (error: Error) => void): () => void {
    return this.#engine.wake.onError(listener)
  }

  /**
   * Run `fn` in one transaction on one pooled connection: pass `tx` as `{ tx }` to Honker's
   * writes and run the app's own SQL with `tx.query()`; both commit together or not at all.
   * A throw rolls back. A dropped connection is `connection_lost`.
   */
  async transaction<T>(fn: (tx: PgTransaction) => Promise<T> | T): Promise<T> {
    requireFunction(fn, 'fn')
    return runTransaction(this.#engine, this, fn)
  }

  queue<Payload = unknown>(name: string, options?: QueueOptions): PgQueue<Payload> {
    this.#engine.assertOpen()
    if (options === undefined) {
      const known = this.#queues.get(name)
      if (known !== undefined) return known as PgQueue<Payload>
    }
    const queue: PgQueue<Payload> = new Queue(this.#queueEngine, name, options)
    if (options === undefined) this.#queues.set(name, queue as PgQueue<unknown>)
    return queue
  }

  /** Live jobs of every queue (or `queue`), in id order. */
  async listJobs(options: ListJobsOptions & { queue?: string } = {}): Promise<JobInfo[]> {
    requireObject(options, 'options')
    const { queue, ...page } = options
    return listJobs(this.#queueEngine.jobs, queue === undefined ? null : requireName(queue, 'queue'), page)
  }

  async notify(channel: string, payload: unknown, options: { tx?: PgTransaction } = {}): Promise<number> {
    requireObject(options, 'options')
    return this.#notifyOps.insert(channel, payload, options.tx)
  }

  /** Notifications on `channel` committed after this resolves, in id order, from any process (no replay). */
  async listen<Payload = unknown>(channel: string, options?: ListenOptions): Promise<Listener<Payload>> {
    this.#engine.assertOpen()
    return openListener<Payload, 'async'>(this.#notifyOps, channel, options)
  }

  async pruneNotifications(options: PruneNotificationsOptions): Promise<number> {
    return this.#notifyOps.prune(requirePruneLimits(options))
  }

  /** Prune notifications every `intervalMs` (default 60 s) until `stop()` or `db.close()`; a new call replaces the previous policy. */
  autoPruneNotifications(options: AutoPruneOptions): NotificationPruner {
    this.#engine.assertOpen()
    const pruner = new NotificationPruner(this.#notifyOps, options)
    this.#notificationPruner?.stop()
    this.#notificationPruner = pruner
    return pruner
  }

  stream<Payload = unknown>(topic: string): PgStream<Payload> {
    return new Stream<Payload, 'async', PgTransaction>(this.#streamOps, topic)
  }

  /** A named lease on the database's clock, shared by every app server: `acquire()`, `renew()`, `release()`. */
  lock(name: string, options: LockOptions): PgLock {
    this.#engine.assertOpen()
    return new Lock(this.#lockOps, name, options)
  }

  /**
   * Run `fn` holding the named lock, renewing it while `fn` runs and releasing it afterwards.
   * Rejects with `lock_not_held` if another owner holds it; `signal` aborts if the lease is lost.
   */
  withLock<T>(name: string, options: WithLockOptions, fn: (context: PgLockContext) => T | Promise<T>): Promise<T> {
    this.#engine.assertOpen()
    return withLock(this.#lockOps, name, options, fn)
  }

  rateLimit(name: string, options: RateLimitOptions): PgRateLimit {
    this.#engine.assertOpen()
    return new RateLimit(this.#rateLimitOps, name, options)
  }

  async sweepRateLimits(olderThanS: number): Promise<number> {
    return sweepRateLimits(this.#rateLimitOps, olderThanS)
  }

  async saveResult(jobId: number, value: unknown, options?: PgSaveResultOptions): Promise<void> {
    return this.#results.save(jobId, value, options)
  }

  async getResult<T = unknown>(jobId: number): Promise<ResultLookup<T>> {
    return this.#results.get<T>(jobId)
  }

  waitResult<T = unknown>(jobId: number, options?: WaitResultOptions): Promise<T> {
    return this.#results.wait<T>(jobId, options)
  }

  async sweepResults(): Promise<number> {
    return this.#results.sweep()
  }

  /** A transactional outbox: `outbox.enqueue(message, { tx })` with the app's write, delivered by `deliver`. */
  outbox<Payload = unknown>(name: string, deliver: PgOutboxDelivery<Payload>, options?: OutboxOptions): PgOutbox<Payload> {
    this.#engine.assertOpen()
    return new Outbox(this.#queueEngine, name, deliver, options)
  }

  scheduler(): PgScheduler {
    return new Scheduler<'async', PgTransaction>(this.#scheduleOps)
  }

  /** The current unix second on the database's clock (or the `clock` option's). */
  now(): Promise<number> {
    return this.#engine.nowS()
  }

  /** Stop the wake connection; the pool is the app's and stays open. Idempotent. */
  close(): void {
    this.#notificationPruner?.stop()
    this.#engine.close()
  }
}
