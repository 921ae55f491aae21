import path from 'node:path'
import { systemClock, unixSeconds, type Clock } from './clock.ts'
import { assertFileDatabase, defaultDriver, driverOf, openConnection } from './connection/open-connection.ts'
import type { SqliteConnection, SqliteDriver, SqliteTransactionFunction } from './connection/sqlite-connection.ts'
import { DatabaseClosedError } from './errors/database-closed-error.ts'
import { HonkerError } from './errors/honker-error.ts'
import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
import { toHonkerError } from './errors/sqlite-error.ts'
import { BetterSqlite3Executor } from './executor/better-sqlite3-executor.ts'
import { isThenable } from './executor/executor.ts'
import { Queue, type QueueOptions } from './queue/queue.ts'
import type { Host } from './host.ts'
import type { BetterSqlite3Executor as Executor } from './executor/better-sqlite3-executor.ts'
import { migrate } from './schema/migrate.ts'
import { Transaction } from './transaction.ts'
import { requireFunction, requireObject } from './validate.ts'
import type { WatcherOptions } from './watcher/commit-watcher.ts'
import { acquireWatcher, type WatcherLease } from './watcher/watcher-registry.ts'
import type { WakeSubscription } from './watcher/wake-subscription.ts'

export interface OpenOptions {
  /** The database file; created if missing. */
  path?: string
  /**
   * Use the app's own better-sqlite3 handle instead of opening one: `db.transaction` and `enqueue`
   * then share the app's connection. Its settings are left alone (Honker opens a file itself with
   * WAL, synchronous=NORMAL, busy_timeout=5000, ...).
   */
  database?: SqliteConnection
  /** How commits from other processes are noticed. */
  watcher?: WatcherOptions
  /** Where time comes from (tests). */
  clock?: Clock
}

/**
 * A Honker database: the app's SQLite file with the `_honker_*` tables, one connection for writes
 * and one watcher connection (opened on first wait) for cross-process wakes.
 */
export class Database implements Host {
  readonly path: string
  /** @internal */
  readonly executor: BetterSqlite3Executor
  /** @internal */
  readonly owner: object = this
  readonly #connection: SqliteConnection
  readonly #ownsConnection: boolean
  readonly #driver: SqliteDriver
  readonly #clock: Clock
  readonly #watcherOptions: WatcherOptions
  readonly #subscriptions = new Set<WakeSubscription>()
  readonly #write: SqliteTransactionFunction
  readonly #userTransaction: SqliteTransactionFunction
  #watcher: WatcherLease | null = null
  #closed = false

  /** @internal Use `open()`. */
  constructor(connection: SqliteConnection, ownsConnection: boolean, options: OpenOptions) {
    this.#connection = connection
    this.#ownsConnection = ownsConnection
    this.#driver = driverOf(connection)
    this.#clock = options.clock ?? systemClock
    this.#watcherOptions = options.watcher ?? {}
    this.path = path.resolve(connection.name)
    this.executor = new BetterSqlite3Executor(connection)
    this.#write = connection.transaction((fn: () => unknown) => fn())
    this.#userTransaction = connection.transaction((fn: (tx: Transaction) => unknown, tx: Transaction) => {
      const result = fn(tx)
      if (isThenable(result)) {
        throw new HonkerError(
          'async_transaction',
          'db.transaction callbacks must be synchronous: SQLite would commit at the first await. Do async work before or after the transaction.',
        )
      }
      return result
    })
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
      return this.#userTransaction.immediate(fn as (tx: Transaction) => unknown, tx) as T
    } catch (error) {
      throw toHonkerError(error)
    } finally {
      tx.end()
    }
  }

  /** A named queue. */
  queue<Payload = unknown>(name: string, options?: QueueOptions): Queue<Payload> {
    this.assertOpen()
    return new Queue<Payload>(this, name, options)
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
    if (this.#ownsConnection && this.#connection.open) this.#connection.close()
  }

  /** @internal */
  assertOpen(): void {
    if (this.#closed || !this.#connection.open) throw new DatabaseClosedError()
  }

  /** @internal */
  write<T>(fn: () => T): T {
    this.assertOpen()
    try {
      return this.#write.immediate(fn) as T
    } catch (error) {
      throw toHonkerError(error)
    }
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
  executorFor(tx: Transaction | undefined): Executor {
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
    const subscription = this.#watcher.watcher.subscribe()
    this.#subscriptions.add(subscription)
    const close = subscription.close.bind(subscription)
    subscription.close = () => {
      this.#subscriptions.delete(subscription)
      close()
    }
    return subscription
  }
}

/**
 * Open (and migrate) a Honker database.
 *
 * ```ts
 * import { open } from '@honker/core'
 * const db = open('app.db')                     // or open({ database: betterSqlite3Handle })
 * const emails = db.queue('emails', { visibilityTimeoutS: 300, maxAttempts: 3 })
 * ```
 */
export function open(target: string | OpenOptions, options: Omit<OpenOptions, 'path' | 'database'> = {}): Database {
  const merged: OpenOptions = typeof target === 'string' ? { ...options, path: target } : { ...target }
  requireObject(merged, 'options')
  if ((merged.path === undefined) === (merged.database === undefined)) {
    throw new InvalidArgumentError('options', 'give exactly one of a path or { database }')
  }
  let connection: SqliteConnection
  let owns: boolean
  if (merged.database !== undefined) {
    connection = merged.database
    owns = false
    if (typeof connection !== 'object' || connection === null || typeof connection.prepare !== 'function') {
      throw new InvalidArgumentError('database', 'must be a better-sqlite3 Database')
    }
    if (!connection.open) throw new DatabaseClosedError('database: the better-sqlite3 handle is closed')
    if (connection.memory) assertFileDatabase(':memory:', 'database')
    assertFileDatabase(connection.name, 'database')
    if (connection.readonly) {
      throw new HonkerError('readonly_database', 'database: the handle is read-only; Honker needs to write')
    }
  } else {
    connection = openConnection(defaultDriver(), merged.path!)
    owns = true
  }
  try {
    migrate(connection)
  } catch (error) {
    if (owns) connection.close()
    throw error
  }
  return new Database(connection, owns, merged)
}
