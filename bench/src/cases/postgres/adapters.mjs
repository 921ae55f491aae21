/**
 * The ORM adapters on PostgreSQL, each inside its ORM's own transaction, as an app does it:
 * - @honker/drizzle/pg: `await db.transaction(async (tx) => { await enqueue(tx, ...) })` on
 *   `drizzle-orm/node-postgres`;
 * - @honker/kysely: `await db.transaction().execute(async (trx) => { await enqueue(trx, ...) })` on
 *   `PostgresDialect`;
 * - @honker/prisma/pg: `await prisma.$transaction(async (tx) => { await enqueue(tx, ...) })` on
 *   `@prisma/adapter-pg`, with a client generated for PostgreSQL from
 *   bench/prisma/app.postgres.prisma plus @honker/prisma's prisma/honker.postgres.prisma.
 *
 * Next to each, the ORM's own insert of the same `honker._honker_live` row (the columns and values
 * Honker's insert writes, RETURNING the id as `enqueue` resolves it) in the same transaction shape:
 * Drizzle's `tx.insert(honkerLive)` on a `pgSchema('honker')` table, Kysely's
 * `insertInto('honker._honker_live')`, Prisma's `tx.honkerJob.create` (the shipped model). The
 * target compares the two: what the adapter adds to what the ORM itself charges for the row.
 *
 * Each run gets a fresh database (lib/pg-run.mjs `withDatabase`) with Honker's schema `honker`
 * (created by `open()` from @honker/postgres, as for every other figure) and the app's `orders`
 * table (not written), and one pool of POOL_MAX connections for the ORM. The adapters write to
 * their default schema, `honker`, as the guides show them.
 */
import { enqueue as drizzleEnqueue } from '@honker/drizzle/pg'
import { enqueue as kyselyEnqueue } from '@honker/kysely'
import { open } from '@honker/postgres'
import { enqueue as prismaEnqueue } from '@honker/prisma/pg'
import { PrismaPg } from '@prisma/adapter-pg'
import { drizzle } from 'drizzle-orm/node-postgres'
import { bigint, pgSchema, text } from 'drizzle-orm/pg-core'
import { Kysely, PostgresDialect } from 'kysely'
import { throughputAsync } from '../../lib/measure.mjs'
import { POOL_MAX, pgPool, settleServer } from '../../lib/postgres.mjs'
import { withDatabase } from '../../lib/pg-run.mjs'
import { loadPrismaClient } from '../../lib/prisma-client.mjs'
import { QUEUE } from '../../lib/sql.mjs'

/** The app's own table (Prisma's `Order` model in bench/prisma/app.postgres.prisma). */
const APP_TABLE_DDL = 'CREATE TABLE public.orders (id SERIAL PRIMARY KEY, note TEXT)'

/** Honker's `_honker_live` as an app would declare it for Drizzle (the columns @honker/postgres creates). */
const honker = pgSchema('honker')
const honkerLive = honker.table('_honker_live', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  queue: text('queue').notNull(),
  payload: text('payload').notNull(),
  state: text('state').notNull().default('pending'),
  priority: bigint('priority', { mode: 'number' }).notNull().default(0),
  runAt: bigint('run_at', { mode: 'number' }).notNull(),
  workerId: text('worker_id'),
  claimExpiresAt: bigint('claim_expires_at', { mode: 'number' }),
  attempts: bigint('attempts', { mode: 'number' }).notNull().default(0),
  maxAttempts: bigint('max_attempts', { mode: 'number' }).notNull().default(3),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  expiresAt: bigint('expires_at', { mode: 'number' }),
})

/**
 * The row Honker's `enqueue(tx, queue, payload)` writes with its defaults: JSON text, whole unix
 * seconds (Honker takes the server's clock, the ORM inserts this machine's: the same machine).
 */
function jobRow(i) {
  const now = Math.floor(Date.now() / 1000)
  return { queue: QUEUE, payload: JSON.stringify({ i }), state: 'pending', priority: 0, runAt: now, attempts: 0, maxAttempts: 3, createdAt: now, expiresAt: null }
}

/**
 * A fresh database with Honker's schema and the app's table, settled (ANALYZE + CHECKPOINT), then
 * `fn({ url })`; afterwards every job the run wrote (warm-up included) must be committed.
 */
function measured(params, name, fn) {
  return withDatabase(params, name, async ({ pool, url }) => {
    const db = await open({ postgres: pool })
    db.close()
    await pool.query(APP_TABLE_DDL)
    await settleServer(pool, 'honker')
    const { result, written } = await fn({ url })
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM honker._honker_live WHERE queue = $1', [QUEUE])
    if (rows[0].n !== written) throw new Error(`${rows[0].n} jobs committed, ${written} written`)
    return result
  })
}

/** `perTx` writes per ORM transaction (`transaction(body)` runs `body` in one), timed as jobs. */
async function timed(params, perTx, transaction, write) {
  let i = 0
  const result = await throughputAsync(async () => {
    await transaction(async (tx) => {
      for (let k = 0; k < perTx; k++) await write(tx, i++)
    })
    return perTx
  }, { units: params.units })
  return { result, written: i }
}

// --- Drizzle (drizzle-orm/node-postgres) ---

const drizzleWrites = {
  enqueue: (tx, i) => drizzleEnqueue(tx, QUEUE, { i }),
  insert: (tx, i) => tx.insert(honkerLive).values(jobRow(i)).returning({ id: honkerLive.id }),
}

function drizzleRun(params, perTx, write) {
  return measured(params, 'drizzle', async ({ url }) => {
    const pool = pgPool(url, POOL_MAX)
    const db = drizzle({ client: pool })
    try {
      return await timed(params, perTx, (body) => db.transaction(body), write)
    } finally {
      await pool.end()
    }
  })
}

/** `await db.transaction(async (tx) => { await enqueue(tx, ...) })`: one job per transaction. */
export const drizzleEnqueue1 = (params) => drizzleRun(params, 1, drizzleWrites.enqueue)
/** 100 `await enqueue(tx, ...)` calls in one Drizzle transaction. */
export const drizzleEnqueue100 = (params) => drizzleRun(params, 100, drizzleWrites.enqueue)
/** `await tx.insert(honkerLive).values(row).returning({ id })`, one per transaction. */
export const drizzleInsert1 = (params) => drizzleRun(params, 1, drizzleWrites.insert)
/** 100 Drizzle inserts of the row in one transaction. */
export const drizzleInsert100 = (params) => drizzleRun(params, 100, drizzleWrites.insert)

// --- Kysely (PostgresDialect) ---

const kyselyWrites = {
  enqueue: (trx, i) => kyselyEnqueue(trx, QUEUE, { i }),
  insert: (trx, i) => {
    const { runAt, maxAttempts, createdAt, expiresAt, ...row } = jobRow(i)
    return trx
      .insertInto('honker._honker_live')
      .values({ ...row, run_at: runAt, max_attempts: maxAttempts, created_at: createdAt, expires_at: expiresAt })
      .returning('id')
      .execute()
  },
}

function kyselyRun(params, perTx, write) {
  return measured(params, 'kysely', async ({ url }) => {
    const db = new Kysely({ dialect: new PostgresDialect({ pool: pgPool(url, POOL_MAX) }) })
    try {
      return await timed(params, perTx, (body) => db.transaction().execute(body), write)
    } finally {
      await db.destroy()
    }
  })
}

/** `await db.transaction().execute(async (trx) => { await enqueue(trx, ...) })`: one job per transaction. */
export const kyselyEnqueue1 = (params) => kyselyRun(params, 1, kyselyWrites.enqueue)
/** 100 `await enqueue(trx, ...)` calls in one Kysely transaction. */
export const kyselyEnqueue100 = (params) => kyselyRun(params, 100, kyselyWrites.enqueue)
/** `await trx.insertInto('honker._honker_live').values(row).returning('id').execute()`, one per transaction. */
export const kyselyInsert1 = (params) => kyselyRun(params, 1, kyselyWrites.insert)
/** 100 Kysely inserts of the row in one transaction. */
export const kyselyInsert100 = (params) => kyselyRun(params, 100, kyselyWrites.insert)

// --- Prisma 7 (@prisma/adapter-pg) ---

const prismaWrites = {
  enqueue: (tx, i) => prismaEnqueue(tx, QUEUE, { i }),
  insert: (tx, i) => tx.honkerJob.create({ data: jobRow(i), select: { id: true } }),
}

async function prismaRun(params, perTx, write) {
  const { PrismaClient } = await loadPrismaClient('postgres')
  return measured(params, 'prisma', async ({ url }) => {
    const pool = pgPool(url, POOL_MAX)
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
    try {
      return await timed(params, perTx, (body) => prisma.$transaction(body), write)
    } finally {
      await prisma.$disconnect()
      await pool.end().catch(() => {})
    }
  })
}

/** `await prisma.$transaction(async (tx) => { await enqueue(tx, ...) })`: one job per transaction. */
export const prismaEnqueue1 = (params) => prismaRun(params, 1, prismaWrites.enqueue)
/** 100 `await enqueue(tx, ...)` calls in one Prisma interactive transaction. */
export const prismaEnqueue100 = (params) => prismaRun(params, 100, prismaWrites.enqueue)
/** `await tx.honkerJob.create({ data: row, select: { id: true } })`, one per transaction. */
export const prismaInsert1 = (params) => prismaRun(params, 1, prismaWrites.insert)
/** 100 `tx.honkerJob.create` calls in one Prisma interactive transaction. */
export const prismaInsert100 = (params) => prismaRun(params, 100, prismaWrites.insert)
