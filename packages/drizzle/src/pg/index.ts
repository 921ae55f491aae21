/**
 * @module @honker/drizzle/pg
 *
 * Honker inside a Drizzle app on PostgreSQL (`drizzle-orm/node-postgres`, or any Drizzle Postgres
 * driver whose `execute` returns `rows`): `enqueue`, `notify`, `publish` and `saveOffset` take
 * Drizzle's transaction and write through it, so they commit or roll back with the app's writes
 * and their NOTIFY wakes workers on every app server at commit. `honkerMigrate(db)` brings
 * Honker's schema up to date in one Drizzle transaction; `createHonker({ db, postgres: pool })`
 * opens `@honker/postgres` on the app's pool. Only the transaction is translated here.
 */
import { sql, type SQL } from 'drizzle-orm'
import { HonkerError, InvalidArgumentError, type EnqueueOptions, type UniqueEnqueueResult } from '@honker/core'
import { open, type OpenPostgresOptions, type PgDatabase } from '@honker/postgres'
import { applyMigrations, migrationScripts, pgWriter, type PgMigrationReport, type PgQueryable } from '@honker/postgres/adapter'

export * from './schema.ts'

/** What this module needs of a Drizzle Postgres database or transaction. */
export interface DrizzlePg {
  execute(query: SQL): PromiseLike<unknown>
}

/** On PostgreSQL, Honker's tables live in `schema` (default 'honker'). */
export interface PostgresCallOptions {
  schema?: string
}

/**
 * Core's `$n` statement as a Drizzle `SQL`: the text between placeholders stays raw and each
 * placeholder becomes a bound parameter (Drizzle numbers them again; casts like `$1::bigint` stay).
 */
function toSql(text: string, values: readonly unknown[]): SQL {
  const chunks: (SQL | ReturnType<typeof sql.param>)[] = []
  let last = 0
  for (const match of text.matchAll(/\$(\d+)/g)) {
    // sql.param, not sql`${value}`: Drizzle would spread an array into a list of parameters.
    chunks.push(sql.raw(text.slice(last, match.index)), sql.param(values[Number(match[1]) - 1]))
    last = match.index + match[0].length
  }
  chunks.push(sql.raw(text.slice(last)))
  return sql.join(chunks)
}

/**
 * The node-postgres client (or pool) under a `drizzle-orm/node-postgres` database or transaction:
 * its session keeps it as `client`, and inside `db.transaction` it is the connection that ran
 * BEGIN. Honker's statement then goes to it as written, instead of through `execute(sql)`, which
 * splits it into Drizzle chunks and binds every `$n` once per occurrence (the time, four times).
 * Other Postgres drivers (postgres-js, PGlite) have no pg-style `query(config)` and keep `execute`.
 */
function nodePostgresClientOf(db: DrizzlePg): PgQueryable | undefined {
  const client = (db as { session?: { client?: unknown } }).session?.client as Record<string, unknown> | null | undefined
  if (typeof client !== 'object' || client === null || typeof client.query !== 'function') return undefined
  // pg.Client and a pool's client carry `connection`; pg.Pool counts its clients.
  const isNodePostgres = 'connection' in client || typeof client.totalCount === 'number'
  return isNodePostgres ? (client as unknown as PgQueryable) : undefined
}

function queryableOf(db: DrizzlePg): PgQueryable {
  if (typeof db !== 'object' || db === null || typeof db.execute !== 'function') {
    const onSqlite = typeof db === 'object' && db !== null && typeof (db as { all?: unknown }).all === 'function'
    if (onSqlite) throw new HonkerError('engine_mismatch', "tx is a Drizzle SQLite database: import from '@honker/drizzle' for it, '@honker/drizzle/pg' is for PostgreSQL")
    throw new InvalidArgumentError('tx', 'must be a Drizzle PostgreSQL database or transaction')
  }
  const client = nodePostgresClientOf(db)
  if (client !== undefined) return client
  return {
    async query<Row>({ text, values = [] }: { text: string; values?: unknown[] }) {
      const result = (await db.execute(toSql(text, values))) as { rows?: Row[]; rowCount?: number | null } | Row[]
      // node-postgres returns pg's QueryResult; postgres-js returns the rows array itself.
      const rows = Array.isArray(result) ? result : (result.rows ?? [])
      const rowCount = Array.isArray(result) ? (result as unknown as { count?: number }).count ?? rows.length : (result.rowCount ?? rows.length)
      return { rows, rowCount }
    },
  }
}

/**
 * Enqueue a job inside a Drizzle transaction; resolves with its id.
 *
 * ```ts
 * await db.transaction(async (tx) => {
 *   const [order] = await tx.insert(orders).values({ total: 42 }).returning()
 *   await enqueue(tx, 'emails', { orderId: order.id })
 * })
 * ```
 */
export async function enqueue(tx: DrizzlePg, queue: string, payload: unknown, options: EnqueueOptions & PostgresCallOptions & { uniqueKey: string }): Promise<UniqueEnqueueResult>
export async function enqueue(tx: DrizzlePg, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions & { uniqueKey?: undefined }): Promise<number>
export async function enqueue(tx: DrizzlePg, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions): Promise<number | UniqueEnqueueResult>
export async function enqueue(tx: DrizzlePg, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions): Promise<number | UniqueEnqueueResult> {
  const { schema, ...jobOptions } = options ?? {}
  return pgWriter({ schema }).enqueue(queryableOf(tx), queue, payload, jobOptions)
}

/** Send a notification inside a Drizzle transaction; listeners on every server get it at commit. */
export async function notify(tx: DrizzlePg, channel: string, payload: unknown, options?: PostgresCallOptions): Promise<number> {
  return pgWriter({ schema: options?.schema }).notify(queryableOf(tx), channel, payload)
}

/** Append an event to stream `topic` inside a Drizzle transaction; resolves with its offset. */
export async function publish(tx: DrizzlePg, topic: string, payload: unknown, options?: { key?: string | null } & PostgresCallOptions): Promise<number> {
  return pgWriter({ schema: options?.schema }).publish(queryableOf(tx), topic, payload, options)
}

/** Save a consumer's offset in the transaction that applied the events (exactly once); true iff it moved. */
export async function saveOffset(tx: DrizzlePg, consumer: string, topic: string, offset: number, options?: PostgresCallOptions): Promise<boolean> {
  return pgWriter({ schema: options?.schema }).saveOffset(queryableOf(tx), consumer, topic, offset)
}

/**
 * Bring Honker's schema up to date in one Drizzle transaction (the migrations and ledger `open()`
 * uses). Run it next to Drizzle's own `migrate()`; keep the schema out of drizzle-kit with
 * `schemaFilter: ['public']` in drizzle.config.ts. For a plain SQL migration instead, see
 * `honkerMigrationSql()`.
 */
export async function honkerMigrate(db: DrizzlePg & { transaction<T>(fn: (tx: DrizzlePg) => Promise<T>): Promise<T> }, options: PostgresCallOptions = {}): Promise<PgMigrationReport> {
  return db.transaction((tx) => applyMigrations(queryableOf(tx), options.schema))
}

/**
 * Honker's schema as SQL, for a custom drizzle-kit migration (`drizzle-kit generate --custom`):
 * creates the schema, its tables and the ledger rows `open()` checks.
 */
export function honkerMigrationSql(options: PostgresCallOptions = {}): string {
  return migrationScripts(options.schema).map((script) => script.sql).join('\n')
}

export interface CreateHonkerOptions extends Omit<OpenPostgresOptions, 'postgres'> {
  /** The app's Drizzle database (node-postgres); only checked to be one. */
  db: DrizzlePg
  /** The `pg` Pool given to `drizzle(pool)` (or `db.$client`). */
  postgres?: OpenPostgresOptions['postgres']
}

/**
 * `@honker/postgres` (queues and workers, listen, streams, scheduler) on the app's pool: `postgres`,
 * else `db.$client` when it is a pg Pool.
 *
 * ```ts
 * const pool = new pg.Pool({ connectionString })
 * const db = drizzle(pool)
 * const honker = await createHonker({ db, postgres: pool })
 * ```
 */
export function createHonker(options: CreateHonkerOptions): Promise<PgDatabase> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object')
  const { db, postgres, ...rest } = options
  queryableOf(db)
  const pool = postgres ?? (db as { $client?: OpenPostgresOptions['postgres'] }).$client
  if (pool === undefined) throw new InvalidArgumentError('postgres', 'pass the pg Pool the Drizzle database runs on')
  return open({ postgres: pool, ...rest })
}
