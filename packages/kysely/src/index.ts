/**
 * @module @honker/kysely
 *
 * Honker inside a Kysely app on `SqliteDialect` (better-sqlite3, bun:sqlite, or node:sqlite through
 * `sqliteDatabaseFor`): `enqueue`/`notify`/`publish`/`saveOffset` take Kysely's `Transaction` and
 * commit or roll back with it; `honkerMigration` puts the `_honker_*` tables in Kysely's `Migrator`
 * history; `createHonker` gives the full core API (workers, listeners, streams) on the same file;
 * `ImmediateSqliteDialect` begins transactions with the write lock. Only transactions and types are
 * translated here: the queue logic and SQL are core's, run through Kysely's raw-query path.
 */
import { CompiledQuery, type Kysely, type SqliteDatabase, type Transaction } from 'kysely'
import { InvalidArgumentError, type Clock, type Database, type EnqueueOptions, type UniqueEnqueueResult } from '@honker/core'
import type { SqliteHandle, WatcherOptions } from '@honker/core'
import { DEFAULT_MAX_ATTEMPTS, enqueueWith, notifyWith, publishWith, saveOffsetWith, systemClock, unixSeconds, openBeside } from '@honker/core/adapter'
import type { Executor, Statement } from '@honker/core/adapter'
import { handleOf } from './sqlite-database.ts'
import { pgWriter } from '@honker/postgres/adapter'
import { open as openPostgres, type PgDatabase, type PgPool } from '@honker/postgres'
import { isPostgres, queryableOf } from './postgres.ts'

export { honkerMigration, type HonkerMigration } from './migration.ts'
export { ImmediateSqliteDialect } from './immediate-dialect.ts'
export { sqliteDatabaseFor } from './sqlite-database.ts'
export type * from './tables.ts'

// A per-call `maxAttempts` overrides it; core's Queue objects have per-queue defaults, free functions don't.
const DEFAULTS = { maxAttempts: DEFAULT_MAX_ATTEMPTS }

/**
 * Run core's statements on the transaction's connection. `withoutPlugins()`: user plugins such as
 * `CamelCasePlugin` transform every result row, and ours must come back as written.
 */
function requireTransaction(trx: Transaction<any>): void {
  if ((trx as { isTransaction?: unknown } | null)?.isTransaction !== true) {
    throw new InvalidArgumentError('trx', 'must be the Transaction of db.transaction().execute(async (trx) => ...), not the Kysely instance')
  }
}

/** On PostgreSQL (`PostgresDialect`), Honker's tables live in `schema` (default 'honker'). */
export interface PostgresCallOptions {
  schema?: string
}

function executorOf(trx: Transaction<any>): Executor<'async'> {
  requireTransaction(trx)
  const plain = trx.withoutPlugins()
  const query = (stmt: Statement, params: readonly unknown[]) => plain.executeQuery(CompiledQuery.raw(stmt.text, [...params]))
  return {
    mode: 'async',
    all: async <Row>(stmt: Statement, params: readonly unknown[]) => (await query(stmt, params)).rows as Row[],
    run: async (stmt: Statement, params: readonly unknown[]) => ({ changes: Number((await query(stmt, params)).numAffectedRows ?? 0n) }),
  }
}

const nowS = (): number => unixSeconds(systemClock)

/**
 * Enqueue a job inside a Kysely transaction; resolves with its id. A rollback drops the job; once
 * the transaction commits, workers in any process wake.
 *
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   const order = await trx.insertInto('orders').values({ total: 42 }).returning('id').executeTakeFirstOrThrow()
 *   await enqueue(trx, 'emails', { orderId: order.id }, { maxAttempts: 5 })
 * })
 * ```
 */
export async function enqueue(trx: Transaction<any>, queue: string, payload: unknown, options: EnqueueOptions & PostgresCallOptions & { uniqueKey: string }): Promise<UniqueEnqueueResult>
export async function enqueue(trx: Transaction<any>, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions & { uniqueKey?: undefined }): Promise<number>
export async function enqueue(trx: Transaction<any>, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions): Promise<number | UniqueEnqueueResult>
export async function enqueue(trx: Transaction<any>, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions): Promise<number | UniqueEnqueueResult> {
  requireTransaction(trx)
  if (isPostgres(trx)) {
    const { schema, ...jobOptions } = options ?? {}
    return pgWriter({ schema }).enqueue(queryableOf(trx), queue, payload, jobOptions)
  }
  return enqueueWith(executorOf(trx), queue, payload, options, DEFAULTS, nowS())
}

/**
 * Send a notification inside a Kysely transaction; resolves with its id. Listeners see it on commit.
 *
 * ```ts
 * await notify(trx, 'orders', { id: 7, status: 'paid' })
 * ```
 */
export async function notify(trx: Transaction<any>, channel: string, payload: unknown, options?: PostgresCallOptions): Promise<number> {
  requireTransaction(trx)
  if (isPostgres(trx)) return pgWriter({ schema: options?.schema }).notify(queryableOf(trx), channel, payload)
  return notifyWith(executorOf(trx), channel, payload, nowS())
}

/** Stream event options for {@link publish}. */
export interface PublishOptions extends PostgresCallOptions {
  /** Stored with the event; informational only (no partitioning or compaction). Default null. */
  key?: string | null
}

/**
 * Append an event to a durable stream inside a Kysely transaction; resolves with its offset.
 *
 * ```ts
 * await publish(trx, 'orders', { id: 7 }, { key: 'order-7' })
 * ```
 */
export async function publish(trx: Transaction<any>, topic: string, payload: unknown, options?: PublishOptions): Promise<number>
/** @deprecated Pass the key as `{ key }`, like `@honker/drizzle`, `@honker/prisma` and core's `Stream.publish`. */
export async function publish(trx: Transaction<any>, topic: string, payload: unknown, key: string | null): Promise<number>
export async function publish(trx: Transaction<any>, topic: string, payload: unknown, options?: PublishOptions | string | null): Promise<number> {
  // The positional key of @honker/kysely 0.1 still works: a string or null is the key itself.
  const resolved = typeof options === 'string' || options === null ? { key: options } : options
  requireTransaction(trx)
  if (isPostgres(trx)) return pgWriter({ schema: resolved?.schema }).publish(queryableOf(trx), topic, payload, resolved)
  return publishWith(executorOf(trx), topic, payload, resolved, nowS())
}

/**
 * Save a stream consumer's offset in the transaction that applied the events' effects (exactly-once
 * handling); resolves with true iff it moved forward.
 *
 * ```ts
 * await saveOffset(trx, 'billing', 'orders', event.offset)
 * ```
 */
export async function saveOffset(trx: Transaction<any>, consumer: string, topic: string, offset: number, options?: PostgresCallOptions): Promise<boolean> {
  requireTransaction(trx)
  if (isPostgres(trx)) return pgWriter({ schema: options?.schema }).saveOffset(queryableOf(trx), consumer, topic, offset)
  return saveOffsetWith(executorOf(trx), consumer, topic, offset)
}

export interface CreatePostgresHonkerOptions {
  /** The app's Kysely instance on `PostgresDialect` (the root one, not a transaction). */
  db: Kysely<any>
  /** The `pg` Pool given to `new PostgresDialect({ pool })`. */
  postgres: PgPool
  /** Schema of Honker's tables. Default 'honker'. */
  schema?: string
  clock?: Clock
}

export interface CreateHonkerOptions {
  /** The app's Kysely instance (the root one, not a transaction). */
  db: Kysely<any>
  /**
   * The database given to `new SqliteDialect({ database })`, which Kysely never exposes: a
   * better-sqlite3 `Database`, a bun:sqlite `Database`, a node:sqlite `DatabaseSync`, or what
   * `sqliteDatabaseFor(handle)` returned for one of them.
   */
  database: SqliteHandle | SqliteDatabase
  watcher?: WatcherOptions
  clock?: Clock
}

/**
 * The full core API (queues and workers, listen, streams, locks, scheduler) on the app's file,
 * through Honker's own connection, opened with the app handle's library: a worker or watcher never
 * runs a statement inside a Kysely transaction that is open and awaiting on the app's handle.
 * Rejects `:memory:` databases and closed handles. Honker's writes are synchronous: in the same
 * process, a Kysely write transaction held open across other awaits makes them wait up to
 * busy_timeout (docs/adapters/kysely.md, "Pitfalls").
 *
 * ```ts
 * const sqlite = new Sqlite('app.db')
 * const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) })
 * const honker = createHonker({ db, database: sqlite })
 * honker.queue('emails').work(async (job) => sendEmail(job.payload), { signal })
 * ```
 */
export function createHonker(options: CreateHonkerOptions): Database
/**
 * On PostgreSQL: Honker (`@honker/postgres`) on the pool given to `PostgresDialect`, in `schema`
 * (default 'honker'); resolves once the schema is current.
 *
 * ```ts
 * const pool = new pg.Pool({ connectionString })
 * const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
 * const honker = await createHonker({ db, postgres: pool })
 * ```
 */
export function createHonker(options: CreatePostgresHonkerOptions): Promise<PgDatabase>
export function createHonker(options: CreateHonkerOptions | CreatePostgresHonkerOptions): Database | Promise<PgDatabase> {
  if (options !== null && typeof options === 'object' && 'postgres' in options) {
    const { db, postgres, ...rest } = options
    if (typeof db?.withoutPlugins !== 'function' || db.isTransaction) {
      throw new InvalidArgumentError('db', 'must be the root Kysely instance, not a transaction')
    }
    if (!isPostgres(db)) throw new InvalidArgumentError('db', 'runs on SQLite: pass { db, database } (the handle given to SqliteDialect)')
    return openPostgres({ postgres, ...rest })
  }
  const { db, database } = options ?? {}
  if (typeof db?.withoutPlugins !== 'function' || db.isTransaction) {
    throw new InvalidArgumentError('db', 'must be the root Kysely instance, not a transaction')
  }
  if (typeof (database as { prepare?: unknown } | undefined)?.prepare !== 'function') {
    throw new InvalidArgumentError('database', 'must be the database given to SqliteDialect (better-sqlite3, bun:sqlite or node:sqlite)')
  }
  return openBeside(handleOf(database) as SqliteHandle, 'database', { watcher: options.watcher, clock: options.clock })
}
