/**
 * @module @honker/prisma
 *
 * Honker for Prisma 7 apps on `@prisma/adapter-better-sqlite3`. `enqueue`, `notify`, `publish` and
 * `saveOffset` take the `tx` of `prisma.$transaction(async (tx) => ...)`, so Honker's rows commit
 * or roll back with the business write; `createHonker({ url })` opens the full `@honker/core` API
 * (workers, listeners, streams, ...) on the same file with the SQLite copy Prisma's adapter loaded.
 * Each helper is one statement from `@honker/core/adapter`: no queue logic lives here.
 * `applyMigrations` and `addHonkerMigration` (src/migrations.ts, also the `honker-prisma` bin)
 * apply a Prisma migrations folder without Prisma's schema engine and add Honker's migration to it.
 * Left out: the batch form `prisma.$transaction([...])` (its items must be Prisma's own lazy
 * promises) and a client extension (`prisma.$honker`); the functions work on any `tx` as it is.
 */
import { open, HonkerError, InvalidArgumentError, type Clock, type Database, type EnqueueOptions, type UniqueEnqueueResult, type WatcherOptions } from '@honker/core'
import { enqueueWith, notifyWith, publishWith, saveOffsetWith, systemClock, unixSeconds } from '@honker/core/adapter'
import type { Executor } from '@honker/core/adapter'
import { prismaSqliteDriver } from './driver.ts'

export { prismaSqliteDriver } from './driver.ts'
export {
  applyMigrations,
  addHonkerMigration,
  missingHonkerMigrations,
  honkerMigrations,
  honkerMigrationsDir,
  readMigrations,
  PRISMA_MIGRATIONS_DDL,
  MigrationError,
  MigrationsNotFoundError,
  MigrationFailedError,
  MigrationChecksumError,
  MigrationUnresolvedError,
  type MigrationErrorCode,
  type MigrationFile,
  type MigrationDatabase,
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
  type AddHonkerMigrationOptions,
  type AddHonkerMigrationResult,
  type HonkerMigration,
} from './migrations.ts'

/**
 * The part of Prisma's client that Honker uses. `Prisma.TransactionClient` is generated per schema,
 * so a library cannot name it; every generated client (and its `tx`) fits this type, which
 * test/types.test-d.ts checks against a real one.
 */
export interface PrismaTransactionLike {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>
}

/** honker's own default (the `max_attempts` column default), as `db.queue(name)` uses. */
const DEFAULT_MAX_ATTEMPTS = 3

function prismaExecutor(tx: PrismaTransactionLike): Executor<'async'> {
  if (typeof tx?.$queryRawUnsafe !== 'function' || typeof tx.$executeRawUnsafe !== 'function') {
    throw new InvalidArgumentError('tx', 'must be the tx of prisma.$transaction(async (tx) => ...) or a PrismaClient')
  }
  const provider = (tx as { _activeProvider?: unknown })._activeProvider
  if (provider === 'postgresql' || provider === 'postgres') {
    throw new HonkerError('engine_mismatch', "tx is a Prisma client on PostgreSQL: import from '@honker/prisma/pg' for it")
  }
  // Rows come back with integers as bigint (the adapter turns safe integers on) and core maps ids
  // and offsets to numbers. JS numbers bind as REAL through Prisma's raw API; every value lands in
  // an INTEGER column, whose affinity stores it as an integer (test/transaction.test.ts).
  return {
    mode: 'async',
    all: async <Row>(stmt: { text: string }, params: readonly unknown[]) => tx.$queryRawUnsafe<Row[]>(stmt.text, ...params),
    run: async (stmt, params) => ({ changes: await tx.$executeRawUnsafe(stmt.text, ...params) }),
  }
}

/**
 * Enqueue a job inside a Prisma interactive transaction; resolves with its id (a number). It is
 * claimable once the transaction commits, and gone if it rolls back.
 *
 * ```ts
 * await prisma.$transaction(async (tx) => {
 *   const order = await tx.order.create({ data: { total: 4200 } })
 *   await enqueue(tx, 'emails', { orderId: order.id }, { priority: 5 })
 * })
 * ```
 */
export async function enqueue(tx: PrismaTransactionLike, queue: string, payload: unknown, options: EnqueueOptions & { uniqueKey: string }): Promise<UniqueEnqueueResult>
export async function enqueue(tx: PrismaTransactionLike, queue: string, payload: unknown, options?: EnqueueOptions & { uniqueKey?: undefined }): Promise<number>
export async function enqueue(tx: PrismaTransactionLike, queue: string, payload: unknown, options?: EnqueueOptions): Promise<number | UniqueEnqueueResult>
export async function enqueue(tx: PrismaTransactionLike, queue: string, payload: unknown, options?: EnqueueOptions): Promise<number | UniqueEnqueueResult> {
  const now = unixSeconds(systemClock)
  return enqueueWith(prismaExecutor(tx), queue, payload, options, { maxAttempts: DEFAULT_MAX_ATTEMPTS }, now)
}

/**
 * Send a notification on `channel` inside a Prisma transaction; resolves with its id. Listeners
 * (`honker.listen(channel)`, any process) see it after commit; a rollback drops it.
 *
 * ```ts
 * await prisma.$transaction(async (tx) => {
 *   await tx.order.update({ where: { id }, data: { status: 'paid' } })
 *   await notify(tx, 'orders', { id, status: 'paid' })
 * })
 * ```
 */
export async function notify(tx: PrismaTransactionLike, channel: string, payload: unknown): Promise<number> {
  return notifyWith(prismaExecutor(tx), channel, payload, unixSeconds(systemClock))
}

/**
 * Append an event to a durable stream inside a Prisma transaction; resolves with its offset.
 *
 * ```ts
 * await prisma.$transaction(async (tx) => {
 *   const order = await tx.order.create({ data: { total: 4200 } })
 *   await publish(tx, 'orders', { type: 'order.created', id: order.id }, { key: `order-${order.id}` })
 * })
 * ```
 */
export async function publish(
  tx: PrismaTransactionLike,
  topic: string,
  payload: unknown,
  options?: { key?: string | null },
): Promise<number> {
  return publishWith(prismaExecutor(tx), topic, payload, options, unixSeconds(systemClock))
}

/**
 * Save a stream consumer's offset inside a Prisma transaction (monotonic: true iff it moved
 * forward). Saving it with the writes that handled the events makes their handling exactly-once.
 *
 * ```ts
 * await prisma.$transaction(async (tx) => {
 *   await tx.invoice.create({ data: { orderId: event.payload.id } })
 *   await saveOffset(tx, 'billing', 'orders', event.offset)
 * })
 * ```
 */
export async function saveOffset(tx: PrismaTransactionLike, consumer: string, topic: string, offset: number): Promise<boolean> {
  return saveOffsetWith(prismaExecutor(tx), consumer, topic, offset)
}

export interface CreateHonkerOptions {
  /** The `url` given to `new PrismaBetterSqlite3({ url })`, e.g. `file:./dev.db`. */
  url: string
  /** How commits from other processes are noticed. */
  watcher?: WatcherOptions
  /** Where time comes from (tests). */
  clock?: Clock
}

/**
 * Open Honker on the database file of a Prisma app: the full `@honker/core` API (queues, workers,
 * listeners, streams, locks, scheduler) on Honker's own connections. The file is found the way
 * Prisma's adapter finds it: `file:` stripped, a relative path taken from the working directory.
 * Migrates the `_honker_*` tables if the Prisma migration has not created them yet.
 *
 * ```ts
 * const url = 'file:./dev.db'
 * const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url }) })
 * const honker = createHonker({ url })
 * const worker = honker.queue('emails').work(async (job) => sendEmail(job.payload), { signal })
 * ```
 */
export function createHonker(options: CreateHonkerOptions): Database {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be { url }')
  if (typeof options.url !== 'string' || options.url === '') {
    throw new InvalidArgumentError('url', 'must be the url given to PrismaBetterSqlite3, e.g. "file:./dev.db"')
  }
  const file = options.url.replace(/^file:/, '') // exactly what the adapter does before opening
  return open(file, { driver: prismaSqliteDriver(), watcher: options.watcher, clock: options.clock })
}
