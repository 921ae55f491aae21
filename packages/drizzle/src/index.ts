/**
 * @module @honker/drizzle
 *
 * Honker inside a Drizzle app on SQLite. `enqueue`, `notify`, `publish` and `saveOffset` take
 * Drizzle's own transaction (or database) and write one row through its public query API, so the
 * row commits or rolls back with the app's writes; on Drizzle's sync drivers (better-sqlite3,
 * bun:sqlite) they return synchronously, on its async drivers (libSQL, ...) they return a promise.
 * `createHonker({ db })` opens the full core API (queues, workers, listen, streams, scheduler) on
 * the same file with its own connections, through the same SQLite library as the app's client
 * (for `@libsql/client` on a `file:` URL, the `libsql` module under it, and a promise).
 * The `_honker_*` tables for drizzle-kit are in `@honker/drizzle/schema`.
 *
 * Deliberately thin: no queue logic lives here. Validation, encoding and SQL come from
 * `@honker/core/adapter`; this module only translates Drizzle's transaction and result types.
 */
import { sql, type SQL } from 'drizzle-orm'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { HonkerError, InvalidArgumentError } from '@honker/core'
import type { Database, EnqueueOptions, OpenOptions, SqliteHandle, UniqueEnqueueResult } from '@honker/core'
import { DEFAULT_MAX_ATTEMPTS, enqueueWith, mapResult, notifyWith, publishWith, saveOffsetWith, openBeside } from '@honker/core/adapter'
import { isLibsqlClient, openBesideLibsqlClient, type LibsqlClient } from '@honker/core/adapter'
import { systemClock, unixSeconds, type Executor, type Mode, type Result, type Statement } from '@honker/core/adapter'

export type { Mode, Result } from '@honker/core/adapter'
export * from './schema.ts'
export { honkerIfNotExists } from './migration-sql.ts'

/** A Drizzle SQLite database or transaction: `'sync'` on better-sqlite3 and bun:sqlite, `'async'` on libSQL and other async drivers. */
export type DrizzleSqlite<M extends Mode = Mode> = BaseSQLiteDatabase<M, any, any, any>

/** Core's statement as a Drizzle `SQL`: its constant text stays raw, every value is a bound parameter. */
function toSql(stmt: Statement, params: readonly unknown[]): SQL {
  const chunks = stmt.parts.flatMap((part, i) => (i < params.length ? [sql.raw(part), sql.param(params[i])] : [sql.raw(part)]))
  return sql.join(chunks)
}

/** Rows changed, from better-sqlite3's and bun:sqlite's `changes` or libSQL's `rowsAffected`. */
function changesOf(result: unknown): number {
  const { changes, rowsAffected } = (result ?? {}) as { changes?: unknown; rowsAffected?: unknown }
  const count = changes ?? rowsAffected
  if (typeof count !== 'number' && typeof count !== 'bigint') {
    throw new InvalidArgumentError('tx', 'this Drizzle driver does not report changed rows')
  }
  return Number(count)
}

function drizzleExecutor<M extends Mode>(db: DrizzleSqlite<M>): Executor<M> {
  if (typeof db !== 'object' || db === null || typeof db.all !== 'function' || typeof db.run !== 'function') {
    if (typeof (db as { execute?: unknown } | null)?.execute === 'function') {
      throw new HonkerError('engine_mismatch', "tx is a Drizzle PostgreSQL database: import from '@honker/drizzle/pg' for it")
    }
    throw new InvalidArgumentError('tx', 'must be a Drizzle SQLite database or transaction')
  }
  return {
    // Informational: core decides sync or async per result with a thenable check (mapResult).
    // Drizzle keeps the kind in a TS-private field; the types carry it as M.
    mode: ((db as unknown as { resultKind?: Mode }).resultKind ?? 'async') as M,
    all: <Row>(stmt: Statement, params: readonly unknown[]) => db.all<Row>(toSql(stmt, params)) as unknown as Result<M, Row[]>,
    run: (stmt, params) =>
      mapResult(db.run(toSql(stmt, params)) as unknown as Result<M, unknown>, (result) => ({ changes: changesOf(result) })),
  }
}

/**
 * Enqueue a job inside a Drizzle transaction; returns its id. On better-sqlite3 and bun:sqlite
 * this is synchronous: call it inside `db.transaction((tx) => ...)` without `await` (the callback
 * itself must be synchronous). On async drivers it returns a promise.
 *
 * ```ts
 * const jobId = db.transaction((tx) => {
 *   const order = tx.insert(orders).values({ total: 42 }).returning().get()
 *   return enqueue(tx, 'emails', { orderId: order.id }, { priority: 5 })
 * })
 * ```
 */
export function enqueue<M extends Mode>(tx: DrizzleSqlite<M>, queue: string, payload: unknown, options: EnqueueOptions & { uniqueKey: string }): Result<M, UniqueEnqueueResult>
export function enqueue<M extends Mode>(tx: DrizzleSqlite<M>, queue: string, payload: unknown, options?: EnqueueOptions & { uniqueKey?: undefined }): Result<M, number>
export function enqueue<M extends Mode>(tx: DrizzleSqlite<M>, queue: string, payload: unknown, options?: EnqueueOptions): Result<M, number | UniqueEnqueueResult>
export function enqueue<M extends Mode>(
  tx: DrizzleSqlite<M>,
  queue: string,
  payload: unknown,
  options?: EnqueueOptions,
): Result<M, number | UniqueEnqueueResult> {
  const defaults = { maxAttempts: DEFAULT_MAX_ATTEMPTS }
  return enqueueWith(drizzleExecutor(tx), queue, payload, options, defaults, unixSeconds(systemClock))
}

/**
 * Send a notification on `channel` inside a Drizzle transaction; returns its id. Listeners in any
 * process receive it once the transaction commits; a rollback drops it.
 *
 * ```ts
 * db.transaction((tx) => {
 *   tx.update(orders).set({ status: 'paid' }).where(eq(orders.id, 7)).run()
 *   notify(tx, 'orders', { id: 7, status: 'paid' })
 * })
 * ```
 */
export function notify<M extends Mode>(tx: DrizzleSqlite<M>, channel: string, payload: unknown): Result<M, number> {
  return notifyWith(drizzleExecutor(tx), channel, payload, unixSeconds(systemClock))
}

/**
 * Append an event to stream `topic` inside a Drizzle transaction; returns its offset.
 *
 * ```ts
 * db.transaction((tx) => publish(tx, 'orders', { id: 7, status: 'paid' }, { key: 'order-7' }))
 * ```
 */
export function publish<M extends Mode>(
  tx: DrizzleSqlite<M>,
  topic: string,
  payload: unknown,
  options?: { key?: string | null },
): Result<M, number> {
  return publishWith(drizzleExecutor(tx), topic, payload, options, unixSeconds(systemClock))
}

/**
 * Save a stream consumer's offset inside the transaction that applied the events' effects
 * (exactly-once handling); true iff it moved forward.
 *
 * ```ts
 * db.transaction((tx) => {
 *   tx.insert(totals).values({ orderId: event.payload.id }).run()
 *   saveOffset(tx, 'totals', 'orders', event.offset)
 * })
 * ```
 */
export function saveOffset<M extends Mode>(tx: DrizzleSqlite<M>, consumer: string, topic: string, offset: number): Result<M, boolean> {
  return saveOffsetWith(drizzleExecutor(tx), consumer, topic, offset)
}

export interface CreateHonkerOptions extends Pick<OpenOptions, 'watcher' | 'clock'> {
  /**
   * The root database returned by `drizzle(...)` on better-sqlite3 or bun:sqlite (Drizzle's sync
   * SQLite drivers; a transaction has no `$client`).
   */
  db: { readonly $client: SqliteHandle }
}

export interface CreateLibsqlHonkerOptions extends Pick<OpenOptions, 'watcher' | 'clock'> {
  /**
   * The root database returned by `drizzle(...)` on `@libsql/client` with a `file:` URL (a
   * transaction has no `$client`). A remote database (libsql://, http(s)://, ws(s)://) or an
   * embedded replica is refused with code 'remote_database'.
   */
  db: { readonly $client: LibsqlClient }
}

/**
 * The full Honker API (queues, workers, listen, streams, scheduler) on the Drizzle database's file.
 * It opens its own connections to the file behind `db.$client` with the same library (better-sqlite3
 * or bun:sqlite, the very copy the app loaded; for `@libsql/client` on a `file:` URL, the `libsql`
 * module the client runs on), and creates any missing `_honker_*` tables. Close it before closing
 * the Drizzle client.
 *
 * On libSQL it returns a promise: the client tells which file it has open only through a query.
 *
 * ```ts
 * const honker = createHonker({ db })               // better-sqlite3, bun:sqlite
 * const honker = await createHonker({ db })         // @libsql/client, file: URL
 * const worker = honker.queue('emails').work(async (job) => send(job.payload), { signal })
 * ```
 */
export function createHonker(options: CreateHonkerOptions): Database
export function createHonker(options: CreateLibsqlHonkerOptions): Promise<Database>
export function createHonker(options: CreateHonkerOptions | CreateLibsqlHonkerOptions): Database | Promise<Database> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object')
  const client = (options.db as { $client?: unknown } | undefined)?.$client
  if (client === undefined) {
    throw new InvalidArgumentError('db', 'pass the root database returned by drizzle(...): a transaction has no $client')
  }
  const settings = { watcher: options.watcher, clock: options.clock }
  // libSQL: Honker's connections open the client's file with the libsql module under the client.
  if (isLibsqlClient(client)) return openBesideLibsqlClient(client, 'db', settings)
  if (typeof client !== 'object' || client === null || typeof (client as { prepare?: unknown }).prepare !== 'function') {
    throw new InvalidArgumentError(
      'db',
      'createHonker needs Drizzle on better-sqlite3 or bun:sqlite, or on @libsql/client with a file: URL; with another driver, run Honker with open(path) from @honker/core',
    )
  }
  return openBeside(client as SqliteHandle, 'db', settings)
}
