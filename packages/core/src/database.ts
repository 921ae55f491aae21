import { statSync } from 'node:fs'
import path from 'node:path'
import { systemClock, unixSeconds, type Clock } from './clock.ts'
import { immediateTransaction } from './connection/immediate-transaction.ts'
import type { Driver, DriverConnection, DriverStatement } from './driver/driver.ts'
import { DatabaseClosedError } from './errors/database-closed-error.ts'
import { HonkerError } from './errors/honker-error.ts'
import { WatcherError } from './errors/watcher-error.ts'
import { DEFAULT_MAX_PAYLOAD_BYTES } from './payload.ts'
import { toHonkerError } from './errors/sqlite-error.ts'
import { SyncExecutor } from './executor/sync-executor.ts'
import { isThenable } from './executor/executor.ts'
import { listJobs, Queue, type QueueOptions } from './queue/queue.ts'
import type { ListJobsOptions } from './queue/live-jobs.ts'
import { sqliteJobOps } from './queue/sqlite-job-ops.ts'
import { sqliteDeadLetterOps } from './queue/sqlite-dead-letter-ops.ts'
import type { JobInfo } from './queue/job-row.ts'
import { RateLimit, sweepRateLimits, type RateLimitOptions } from './rate-limit/rate-limit.ts'
import { sqliteRateLimitOps } from './rate-limit/sqlite-rate-limit-ops.ts'
import { Results, type ResultLookup, type SaveResultOptions, type WaitResultOptions } from './result/results.ts'
import { sqliteResultOps } from './result/sqlite-result-ops.ts'
import { Outbox, type OutboxDelivery, type OutboxOptions } from './outbox/outbox.ts'
import type { Host } from './host.ts'
import { openListener, type Listener, type ListenOptions } from './notify/listener.ts'
import { sqliteNotifyOps } from './notify/sqlite-notify-ops.ts'
import {
  NotificationPruner,
  requirePruneLimits,
  type AutoPruneOptions,
  type PruneNotificationsOptions,
} from './notify/prune.ts'
import { sqliteStreamOps } from './stream/sqlite-stream-ops.ts'
import { Stream } from './stream/stream.ts'
import { Lock, withLock, type LockContext, type LockOptions, type WithLockOptions } from './lock/lock.ts'
import { sqliteLockOps } from './lock/sqlite-lock-ops.ts'
import { Scheduler } from './scheduler/scheduler.ts'
import { sqliteScheduleOps } from './scheduler/sqlite-schedule-ops.ts'
import { Transaction } from './transaction.ts'
import { requireFunction, requireName, requireObject } from './validate.ts'
import type { WatcherOptions } from './watcher/commit-watcher.ts'
import { acquireWatcher, type WatcherLease } from './watcher/watcher-registry.ts'
import type { WakeSubscription } from './watcher/wake-subscription.ts'

/**
 * A Honker database: the app's SQLite file with the `_honker_*` tables, one connection for writes
 * and one watcher connection (opened on first wait) for cross-process wakes.
 */
/** What a Database takes besides its connection; `open()` validates these first. */
export interface DatabaseSettings {
  watcher?: WatcherOptions
  clock?: Clock
  maxPayloadBytes?: number
}

export class Database implements Host {
  readonly path: string
  readonly maxPayloadBytes: number
  /** @internal */
  readonly executor: SyncExecutor
  /** @internal */
  readonly owner: object = this
  readonly #connection: DriverConnection
  readonly #ownsConnection: boolean
  readonly #driver: Driver
  readonly #clock: Clock
  readonly #watcherOptions: WatcherOptions
  readonly #subscriptions = new Set<WakeSubscription>()
  /** The file as opened; a different (dev, inode) at the path means it was replaced. */
  readonly #identity: { dev: number; ino: number } | null
  #identityCheckedAt = 0
  /** Set once the file is known to be replaced: every later call fails with it. */
  #replaced: Error | null = null
  /** The connection's own busy timeout, restored after `withBusyTimeout`. */
  readonly #busyTimeoutMs: number
  readonly #busyTimeoutStatements = new Map<number, DriverStatement>()
  #watcher: WatcherLease | null = null
  #notificationPruner: NotificationPruner | null = null
  #closed = false
  readonly #queueEngine = { jobs: sqliteJobOps(this), dead: sqliteDeadLetterOps(this) }
  readonly #notifyOps = sqliteNotifyOps(this)
  readonly #streamOps = sqliteStreamOps(this)
  readonly #scheduleOps = sqliteScheduleOps(this)
  readonly #lockOps = sqliteLockOps(this)
  readonly #rateLimitOps = sqliteRateLimitOps(this)
  readonly #results = new Results(sqliteResultOps(this))

  /** @internal Use `open()`. */
  constructor(connection: DriverConnection, ownsConnection: boolean, options: DatabaseSettings) {
    this.#connection = connection
    this.#ownsConnection = ownsConnection
    this.#driver = connection.driver
    this.#clock = options.clock ?? systemClock
    this.#watcherOptions = options.watcher ?? {}
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
    this.path = path.resolve(connection.file)
    this.executor = new SyncExecutor(connection)
    this.#busyTimeoutMs = Number(connection.prepare('PRAGMA busy_timeout').value())
    this.#identity = fileIdentity(this.path)
    this.#identityCheckedAt = performance.now()
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * Run `fn` in one write transaction (BEGIN IMMEDIATE, or a savepoint when nested) and return
   * its result; it commits when `fn` returns and rolls back when it throws. `fn` must be
   * synchronous.
   */
  transaction<T>(fn: (tx: Transaction) => T): T {
    this.assertOpen()
    requireFunction(fn, 'fn')
    const tx = new Transaction(this.executor, this)
    try {
      return immediateTransaction(this.#connection, () => {
        const result = fn(tx)
        if (isThenable(result)) {
          throw new HonkerError(
            'async_transaction',
            'db.transaction callbacks must be synchronous: SQLite would commit at the first await. Do async work before or after the transaction.',
          )
        }
        return result
      })
    } catch (error) {
      throw toHonkerError(error)
    } finally {
      tx.end()
    }
  }

  /** A named queue. */
  queue<Payload = unknown>(name: string, options?: QueueOptions): Queue<Payload> {
    this.assertOpen()
    return new Queue<Payload>(this.#queueEngine, name, options)
  }

  /**
   * A page of live jobs of every queue (or of `queue`), in id order; see `queue.listJobs`.
   *
   * ```ts
   * const claimed = db.listJobs({ state: 'processing' })
   * ```
   */
  listJobs(options: ListJobsOptions & { queue?: string } = {}): JobInfo[] {
    requireObject(options, 'options')
    const { queue, ...rest } = options
    return listJobs(this.#queueEngine.jobs, queue === undefined ? null : requireName(queue, 'queue'), rest)
  }

  /**
   * A fixed-window rate limit shared by every process and honker binding on the file.
   *
   * ```ts
   * const api = db.rateLimit('partner-api', { limit: 100, perS: 60 })
   * if (api.try()) await callPartner()
   * ```
   */
  rateLimit(name: string, options: RateLimitOptions): RateLimit {
    this.assertOpen()
    return new RateLimit(this.#rateLimitOps, name, options)
  }

  /**
   * Delete rate-limit windows that started more than `olderThanS` seconds ago; returns how many.
   *
   * ```ts
   * db.sweepRateLimits(3600)
   * ```
   */
  sweepRateLimits(olderThanS: number): number {
    return sweepRateLimits(this.#rateLimitOps, olderThanS)
  }

  /**
   * Save (or replace) a job's result as JSON text; `ttlS` hides it after that many seconds.
   * Pass `{ tx }` to save it with the rest of a transaction.
   *
   * ```ts
   * db.saveResult(job.id, { url: 'https://cdn.example/thumb.png' }, { ttlS: 3600 })
   * ```
   */
  saveResult(jobId: number, value: unknown, options?: SaveResultOptions): void {
    this.#results.save(jobId, value, options)
  }

  /**
   * A job's saved result; `{ found: false }` when none was saved or it expired. A saved `null`
   * is found.
   *
   * ```ts
   * const result = db.getResult<{ url: string }>(jobId)
   * if (result.found) console.log(result.value.url)
   * ```
   */
  getResult<T = unknown>(jobId: number): ResultLookup<T> {
    return this.#results.get<T>(jobId)
  }

  /**
   * Wait for a job's result, saved by this or any other process. Rejects with code 'timeout'
   * after `timeoutMs`, with the signal's reason on abort, and with the coded error if the
   * database closes or its watcher dies.
   *
   * ```ts
   * const id = thumbnails.enqueue({ image: 'a.png' })
   * const { url } = await db.waitResult<{ url: string }>(id, { timeoutMs: 30_000 })
   * ```
   */
  waitResult<T = unknown>(jobId: number, options?: WaitResultOptions): Promise<T> {
    return this.#results.wait<T>(jobId, options)
  }

  /**
   * Delete expired results; returns how many.
   *
   * ```ts
   * db.sweepResults()
   * ```
   */
  sweepResults(): number {
    return this.#results.sweep()
  }

  /**
   * A transactional outbox: enqueue messages inside the business transaction, and `deliver` runs
   * for each only after it commits, retrying failures (5 s, 10 s, 20 s, ...) and dead-lettering
   * after `maxAttempts`.
   *
   * ```ts
   * const webhooks = db.outbox('webhooks', async (event) => post(event), { maxAttempts: 5 })
   * db.transaction((tx) => webhooks.enqueue({ type: 'order.paid', orderId: 42 }, { tx }))
   * const worker = webhooks.start({ signal })
   * ```
   */
  outbox<Payload = unknown>(name: string, deliver: OutboxDelivery<Payload>, options?: OutboxOptions): Outbox<Payload> {
    this.assertOpen()
    return new Outbox<Payload>(this.#queueEngine, name, deliver, options)
  }

  /**
   * Send a notification on `channel` (Postgres NOTIFY); returns its id. Listeners in any process
   * receive it once the transaction commits: pass `{ tx }` to send it with the business write
   * (a rollback drops it); otherwise it is its own transaction.
   *
   * ```ts
   * db.transaction((tx) => {
   *   tx.run('UPDATE orders SET status = ? WHERE id = ?', ['paid', 7])
   *   db.notify('orders', { id: 7, status: 'paid' }, { tx })
   * })
   * ```
   */
  notify(channel: string, payload: unknown, options: { tx?: Transaction } = {}): number {
    requireObject(options, 'options')
    return this.#notifyOps.insert(channel, payload, options.tx)
  }

  /**
   * Listen on `channel` (Postgres LISTEN): an async iterable of the notifications committed after
   * this call, in id order, from any process. No replay of earlier rows. Close it (or abort its
   * signal, or leave the `for await` loop) to stop.
   *
   * ```ts
   * for await (const n of db.listen<{ id: number }>('orders', { signal })) console.log(n.payload.id)
   * ```
   */
  listen<Payload = unknown>(channel: string, options?: ListenOptions): Listener<Payload> {
    this.assertOpen()
    return openListener<Payload, 'sync'>(this.#notifyOps, channel, options)
  }

  /**
   * Delete old notifications (honker never does by itself); returns how many. `olderThanS` by
   * age; `maxKeep` keeps the newest N over all channels. A listener that has not read a pruned row
   * yet misses it: prune with a margin, and use streams where delivery must be durable.
   *
   * ```ts
   * db.pruneNotifications({ olderThanS: 3600, maxKeep: 100_000 })
   * ```
   */
  pruneNotifications(options: PruneNotificationsOptions): number {
    return this.#notifyOps.prune(requirePruneLimits(options))
  }

  /**
   * Prune notifications every `intervalMs` (default 60 s) until `stop()` or `db.close()`. One
   * policy per database: a new call replaces (stops) the previous one. The timer never keeps the
   * process alive.
   *
   * ```ts
   * const pruner = db.autoPruneNotifications({ olderThanS: 24 * 3600, intervalMs: 60_000 })
   * pruner.stop()
   * ```
   */
  autoPruneNotifications(options: AutoPruneOptions): NotificationPruner {
    this.assertOpen()
    const pruner = new NotificationPruner(this.#notifyOps, options)
    this.#notificationPruner?.stop()
    this.#notificationPruner = pruner
    return pruner
  }

  /**
   * A durable topic with per-consumer offsets (honker's `_honker_stream`). Cheap: it holds only the
   * name.
   *
   * ```ts
   * const orders = db.stream('orders')
   * orders.publish({ id: 7 }, { key: 'order-7' })
   * for await (const event of orders.subscribe({ consumer: 'billing', signal })) await bill(event.payload)
   * ```
   */
  stream<Payload = unknown>(topic: string): Stream<Payload> {
    this.assertOpen()
    return new Stream<Payload>(this.#streamOps, topic)
  }

  /**
   * A named lease shared with every process and honker binding on the file: one holder at a time,
   * freed after `ttlS` if the holder dies. `acquire()` / `renew()` / `release()`.
   *
   * ```ts
   * const lock = db.lock('nightly-report', { ttlS: 60 })
   * if (lock.acquire()) {
   *   try { await buildReport() } finally { lock.release() }
   * }
   * ```
   */
  lock(name: string, options: LockOptions): Lock {
    this.assertOpen()
    return new Lock(this.#lockOps, name, options)
  }

  /**
   * Run `fn` holding the named lock, renewing it while `fn` runs and releasing it afterwards.
   * Rejects with `lock_not_held` if another owner holds it; `signal` aborts if the lease is lost.
   *
   * ```ts
   * await db.withLock('migrate-search-index', { ttlS: 30 }, async ({ signal }) => reindex({ signal }))
   * ```
   */
  withLock<T>(name: string, options: WithLockOptions, fn: (context: LockContext) => T | Promise<T>): Promise<T> {
    this.assertOpen()
    return withLock(this.#lockOps, name, options, fn)
  }

  /**
   * The periodic schedules on this file (shared with honker's scheduler): register tasks, then
   * `run()` the leader loop in every process that may fire them.
   *
   * ```ts
   * const scheduler = db.scheduler()
   * scheduler.add({ name: 'nightly-report', queue: 'reports', schedule: '0 3 * * *' })
   * const runner = scheduler.run({ signal })
   * ```
   */
  scheduler(): Scheduler {
    this.assertOpen()
    return new Scheduler(this.#scheduleOps)
  }

  /**
   * Close Honker's connections. A connection passed in with `open({ database })` stays open: it
   * is the app's. Waiting consumers stop; workers end their loop (stop them first to let running
   * jobs finish).
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    const closed = new DatabaseClosedError()
    for (const subscription of this.#subscriptions) subscription.fail(closed)
    this.#subscriptions.clear()
    this.#watcher?.release()
    this.#watcher = null
    this.#notificationPruner?.stop()
    if (this.#ownsConnection) {
      if (this.#connection.isOpen) this.#connection.close()
      return
    }
    // Even after the app closed its handle first: bun:sqlite completes that close only once the
    // statements Honker prepared on it are finalized.
    try {
      this.#connection.release()
    } catch {
      // A handle closed for good has nothing left to free.
    }
  }

  /**
   * @internal Also refuses to work on a file that was replaced under the process: writes would go
   * to the orphaned inode and its -wal, which a later connection can checkpoint over the restored
   * file. The watcher notices at once (rename events); without one, the path is stat'ed at most
   * once a second.
   */
  assertOpen(): void {
    if (this.#closed || !this.#connection.isOpen) throw new DatabaseClosedError()
    if (this.#replaced !== null) throw this.#replaced
    const watcherError = this.#watcher?.watcher.error
    if (watcherError != null && HonkerError.isInstance(watcherError, 'database_replaced')) {
      this.#replaced = watcherError
      throw watcherError
    }
    const now = performance.now()
    if (now - this.#identityCheckedAt < IDENTITY_CHECK_MS) return
    this.#identityCheckedAt = now
    const current = fileIdentity(this.path)
    if (this.#identity !== null && (current === null || current.dev !== this.#identity.dev || current.ino !== this.#identity.ino)) {
      this.#replaced = new WatcherError(
        'database_replaced',
        `database file ${this.path} was ${current === null ? 'removed' : 'replaced'} while open; close the database and reopen it`,
      )
      throw this.#replaced
    }
  }

  /** @internal */
  write<T>(fn: () => T): T {
    this.assertOpen()
    try {
      return immediateTransaction(this.#connection, fn)
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  /** @internal */
  withBusyTimeout<T>(timeoutMs: number, fn: () => T): T {
    this.assertOpen()
    // Already inside a transaction, the lock is held (or the caller's own busy rules apply).
    if (this.#connection.inTransaction) return fn()
    this.#setBusyTimeout(timeoutMs)
    try {
      return fn()
    } finally {
      if (this.#connection.isOpen) this.#setBusyTimeout(this.#busyTimeoutMs)
    }
  }

  /** Prepared once per value: `connection.pragma()` would re-prepare on every call of the hot path. */
  #setBusyTimeout(timeoutMs: number): void {
    let statement = this.#busyTimeoutStatements.get(timeoutMs)
    if (statement === undefined) {
      statement = this.#connection.prepare(`PRAGMA busy_timeout = ${Math.trunc(timeoutMs)}`)
      this.#busyTimeoutStatements.set(timeoutMs, statement)
    }
    statement.run()
  }

  /** @internal */
  nowS(): number {
    return unixSeconds(this.#clock)
  }

  /** @internal */
  nowMs(): number {
    return this.#clock.now()
  }

  /** @internal */
  executorFor(tx: Transaction | undefined): SyncExecutor {
    this.assertOpen()
    if (tx === undefined) return this.executor
    if (!(tx instanceof Transaction)) {
      throw new HonkerError('invalid_argument', 'tx: must be the transaction passed to db.transaction((tx) => ...)')
    }
    tx.assertUsableBy(this.owner)
    return tx.executor
  }

  /**
   * A subscription to commits on this file from any connection or process. Create it before you
   * read, then `await subscription.wait()`; a wake is a hint to read again. Close it when done.
   */
  subscribe(): WakeSubscription {
    this.assertOpen()
    if (this.#watcher === null) {
      try {
        this.#watcher = acquireWatcher(this.path, this.#driver, this.#watcherOptions)
      } catch (error) {
        throw toHonkerError(error)
      }
    }
    const subscription = this.#watcher.watcher.subscribe(() => this.#subscriptions.delete(subscription))
    this.#subscriptions.add(subscription)
    return subscription
  }
}

/** Stat'ing the path is cheap, but once a second is plenty between watcher checks. */
const IDENTITY_CHECK_MS = 1000

function fileIdentity(file: string): { dev: number; ino: number } | null {
  try {
    const stat = statSync(file)
    return { dev: stat.dev, ino: stat.ino }
  } catch {
    return null
  }
}
