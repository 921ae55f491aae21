/**
 * @module @honker/prisma/pg
 *
 * Honker for Prisma 7 apps on PostgreSQL (`@prisma/adapter-pg`). `enqueue`, `notify`, `publish`
 * and `saveOffset` take the `tx` of `prisma.$transaction(async (tx) => ...)` and write through its
 * raw query API, so Honker's rows commit or roll back with the business write and their NOTIFY
 * wakes workers on every app server at commit. `createHonker({ postgres: pool })` opens
 * `@honker/postgres` on the app's pool. The schema's models are `prisma/honker.postgres.prisma`
 * and its migration `prisma/migrations-postgres/` (`applyPostgresMigrations` applies a migrations
 * folder without Prisma's schema engine). Only the transaction is translated here.
 */
import { HonkerError, InvalidArgumentError, type EnqueueOptions, type UniqueEnqueueResult } from '@honker/core'
import { open, type OpenPostgresOptions, type PgDatabase } from '@honker/postgres'
import { pgWriter, type PgQueryable } from '@honker/postgres/adapter'
import type { PrismaTransactionLike } from './index.ts'

export { applyPostgresMigrations, honkerPostgresMigrationsDir, type ApplyPostgresMigrationsOptions } from './pg-migrations.ts'

/** On PostgreSQL, Honker's tables live in `schema` (default 'honker'). */
export interface PostgresCallOptions {
  schema?: string
}

/**
 * Prisma's raw query API as the runner `@honker/postgres` writes through. Every Honker statement
 * returns rows, so `$queryRawUnsafe` serves them all; int8 columns come back as bigint and Honker
 * turns them into numbers.
 */
function queryableOf(tx: PrismaTransactionLike): PgQueryable {
  if (typeof tx?.$queryRawUnsafe !== 'function') {
    throw new InvalidArgumentError('tx', 'must be the tx of prisma.$transaction(async (tx) => ...) or a PrismaClient on PostgreSQL')
  }
  const provider = (tx as { _activeProvider?: unknown })._activeProvider
  if (typeof provider === 'string' && provider !== 'postgresql' && provider !== 'postgres') {
    throw new HonkerError('engine_mismatch', `tx is a Prisma client on ${provider}: import from '@honker/prisma' for it, '@honker/prisma/pg' is for PostgreSQL`)
  }
  return {
    async query<Row>({ text, values = [] }: { text: string; values?: unknown[] }) {
      try {
        const rows = await tx.$queryRawUnsafe<Row[]>(text, ...values)
        return { rows, rowCount: rows.length }
      } catch (error) {
        // P2028: Prisma refuses an interactive transaction that has ended; nothing was sent.
        if ((error as { code?: unknown })?.code === 'P2028') {
          throw new HonkerError('transaction_closed', `the Prisma transaction has ended: pass the tx of one that is still open`, { cause: error })
        }
        throw error
      }
    },
  }
}

/**
 * Enqueue a job inside a Prisma interactive transaction; resolves with its id.
 *
 * ```ts
 * await prisma.$transaction(async (tx) => {
 *   const order = await tx.order.create({ data: { total: 4200 } })
 *   await enqueue(tx, 'emails', { orderId: order.id })
 * })
 * ```
 */
export async function enqueue(tx: PrismaTransactionLike, queue: string, payload: unknown, options: EnqueueOptions & PostgresCallOptions & { uniqueKey: string }): Promise<UniqueEnqueueResult>
export async function enqueue(tx: PrismaTransactionLike, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions & { uniqueKey?: undefined }): Promise<number>
export async function enqueue(tx: PrismaTransactionLike, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions): Promise<number | UniqueEnqueueResult>
export async function enqueue(tx: PrismaTransactionLike, queue: string, payload: unknown, options?: EnqueueOptions & PostgresCallOptions): Promise<number | UniqueEnqueueResult> {
  const { schema, ...jobOptions } = options ?? {}
  return pgWriter({ schema }).enqueue(queryableOf(tx), queue, payload, jobOptions)
}

/** Send a notification inside a Prisma transaction; listeners on every server get it at commit. */
export async function notify(tx: PrismaTransactionLike, channel: string, payload: unknown, options?: PostgresCallOptions): Promise<number> {
  return pgWriter({ schema: options?.schema }).notify(queryableOf(tx), channel, payload)
}

/** Append an event to stream `topic` inside a Prisma transaction; resolves with its offset. */
export async function publish(tx: PrismaTransactionLike, topic: string, payload: unknown, options?: { key?: string | null } & PostgresCallOptions): Promise<number> {
  return pgWriter({ schema: options?.schema }).publish(queryableOf(tx), topic, payload, options)
}

/** Save a consumer's offset in the transaction that applied the events (exactly once); true iff it moved. */
export async function saveOffset(tx: PrismaTransactionLike, consumer: string, topic: string, offset: number, options?: PostgresCallOptions): Promise<boolean> {
  return pgWriter({ schema: options?.schema }).saveOffset(queryableOf(tx), consumer, topic, offset)
}

/**
 * `@honker/postgres` (queues and workers, listen, streams, scheduler) on the `pg` Pool given to
 * `new PrismaPg(pool)`; resolves once Honker's schema is current.
 */
export function createHonker(options: OpenPostgresOptions): Promise<PgDatabase> {
  return open(options)
}
