/**
 * Enqueue through the ORM adapters, each inside its ORM's own transaction, as an app does it:
 * - @honker/drizzle: `db.transaction((tx) => enqueue(tx, ...))` on better-sqlite3 (synchronous);
 * - @honker/kysely: `await db.transaction().execute(async (trx) => { await enqueue(trx, ...) })` on
 *   `SqliteDialect` (better-sqlite3);
 * - @honker/prisma: `await prisma.$transaction(async (tx) => { await enqueue(tx, ...) })` on
 *   `@prisma/adapter-better-sqlite3`, with a client generated from bench/prisma/app.prisma.
 *
 * Each run takes a fresh file with the app's table and Honker's (created by `open()` from
 * @honker/core, as for every other figure), and the ORM's connection gets Honker's connection
 * settings. The transaction holds only the enqueue(s), like `raw.insert.*` and `honker.enqueue.*`,
 * so the ratio to raw is the cost of the ORM's transaction and the adapter's statement.
 *
 * The `*Insert*` functions write the same `_honker_live` row with the ORM's own insert (Drizzle's
 * `tx.insert(honkerLive)`, Kysely's `insertInto('_honker_live')`, Prisma's `tx.honkerJob.create`),
 * as an app would by hand: the adapter's cost next to what the ORM itself charges for a row.
 */
import { enqueue as drizzleEnqueue, honkerLive } from '@honker/drizzle'
import { enqueue as kyselyEnqueue } from '@honker/kysely'
import { enqueue as prismaEnqueue } from '@honker/prisma'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { Kysely, SqliteDialect } from 'kysely'
import { throughput, throughputAsync } from '../lib/measure.mjs'
import { loadPrismaClient } from '../lib/prisma-client.mjs'
import { QUEUE } from '../lib/sql.mjs'
import { HONKER_PRAGMAS, countLive, createHonkerSchema, freshPath, openRaw } from '../lib/sqlite.mjs'

/** The app's own table (Drizzle's `orders` below, Prisma's `Order` model in bench/prisma/app.prisma). */
const APP_TABLE_DDL = 'CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT)'
const orders = sqliteTable('orders', { id: integer('id').primaryKey({ autoIncrement: true }), note: text('note') })

/** A fresh file with the app table and the `_honker_*` tables (core's `open()`), both closed. */
function setup(workDir, name) {
  const file = freshPath(workDir, name)
  const raw = openRaw(file)
  raw.exec(APP_TABLE_DDL)
  raw.close()
  createHonkerSchema(file)
  return file
}

/** Every job the run enqueued (warm-up included) must be committed. */
function checkCommitted(file, expected) {
  const raw = openRaw(file)
  try {
    const live = countLive(raw, QUEUE)
    if (live !== expected) throw new Error(`${live} jobs committed, ${expected} enqueued`)
  } finally {
    raw.close()
  }
}

// --- Drizzle (better-sqlite3, synchronous transactions) ---

function openDrizzle(file) {
  return drizzle({ client: openRaw(file), schema: { orders } })
}

/** The row `enqueue` writes, as the ORM's own insert writes it (whole-second times, JSON text). */
function jobRow(i) {
  const now = Math.floor(Date.now() / 1000)
  return { queue: QUEUE, payload: JSON.stringify({ i }), state: 'pending', priority: 0, runAt: now, attempts: 0, maxAttempts: 3, createdAt: now }
}

const drizzleWrites = {
  enqueue: (tx, i) => drizzleEnqueue(tx, QUEUE, { i }),
  insert: (tx, i) => tx.insert(honkerLive).values(jobRow(i)).run(),
}

function drizzleRun(workDir, name, perTx, units, write = drizzleWrites.enqueue) {
  const file = setup(workDir, name)
  const db = openDrizzle(file)
  let i = 0
  const result = throughput(() => {
    db.transaction((tx) => {
      for (let k = 0; k < perTx; k++) write(tx, i++)
    })
    return perTx
  }, { units })
  db.$client.close()
  checkCommitted(file, i)
  return result
}

/** `db.transaction((tx) => enqueue(tx, queue, payload))`: one job per transaction. */
export function drizzleEnqueue1({ workDir, units }) {
  return drizzleRun(workDir, 'drizzle-enqueue-1', 1, units)
}

/** 100 `enqueue(tx, ...)` calls in one `db.transaction`. */
export function drizzleEnqueue100({ workDir, units }) {
  return drizzleRun(workDir, 'drizzle-enqueue-100', 100, units)
}

/** `tx.insert(honkerLive).values(row).run()`, one per transaction. */
export function drizzleInsert1({ workDir, units }) {
  return drizzleRun(workDir, 'drizzle-insert-1', 1, units, drizzleWrites.insert)
}

/** 100 `tx.insert(honkerLive)` calls in one `db.transaction`. */
export function drizzleInsert100({ workDir, units }) {
  return drizzleRun(workDir, 'drizzle-insert-100', 100, units, drizzleWrites.insert)
}

// --- Kysely (SqliteDialect on better-sqlite3) ---

const kyselyWrites = {
  enqueue: (trx, i) => kyselyEnqueue(trx, QUEUE, { i }),
  insert: (trx, i) => {
    const { runAt, maxAttempts, createdAt, ...row } = jobRow(i)
    return trx.insertInto('_honker_live').values({ ...row, run_at: runAt, max_attempts: maxAttempts, created_at: createdAt }).execute()
  },
}

async function kyselyRun(workDir, name, perTx, units, write = kyselyWrites.enqueue) {
  const file = setup(workDir, name)
  const db = new Kysely({ dialect: new SqliteDialect({ database: openRaw(file) }) })
  let i = 0
  const result = await throughputAsync(async () => {
    await db.transaction().execute(async (trx) => {
      for (let k = 0; k < perTx; k++) await write(trx, i++)
    })
    return perTx
  }, { units })
  await db.destroy()
  checkCommitted(file, i)
  return result
}

/** `await db.transaction().execute(async (trx) => { await enqueue(trx, ...) })`: one job per transaction. */
export function kyselyEnqueue1({ workDir, units }) {
  return kyselyRun(workDir, 'kysely-enqueue-1', 1, units)
}

/** 100 `await enqueue(trx, ...)` calls in one Kysely transaction. */
export function kyselyEnqueue100({ workDir, units }) {
  return kyselyRun(workDir, 'kysely-enqueue-100', 100, units)
}

/** `await trx.insertInto('_honker_live').values(row).execute()`, one per transaction. */
export function kyselyInsert1({ workDir, units }) {
  return kyselyRun(workDir, 'kysely-insert-1', 1, units, kyselyWrites.insert)
}

/** 100 Kysely inserts of the row in one transaction. */
export function kyselyInsert100({ workDir, units }) {
  return kyselyRun(workDir, 'kysely-insert-100', 100, units, kyselyWrites.insert)
}

// --- Prisma 7 (@prisma/adapter-better-sqlite3) ---

/** The pragma name of a setting such as 'journal_mode = WAL'. */
const pragmaName = (pragma) => pragma.split('=')[0].trim()

/** What a raw connection with Honker's settings reports for each setting, on this file. */
function expectedSettings(file) {
  const raw = openRaw(file)
  try {
    return Object.fromEntries(HONKER_PRAGMAS.map((p) => [pragmaName(p), String(raw.pragma(pragmaName(p), { simple: true }))]))
  } finally {
    raw.close()
  }
}

/**
 * A PrismaClient on `file` whose (single) adapter connection has Honker's settings. The adapter
 * keeps its better-sqlite3 handle private, so `busy_timeout` goes in through the adapter's
 * better-sqlite3 options and the rest through Prisma's raw API; each is read back and compared
 * with what a raw connection reports.
 */
async function openPrisma(PrismaClient, file) {
  const expected = expectedSettings(file)
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 5000 }) })
  for (const pragma of HONKER_PRAGMAS) await prisma.$queryRawUnsafe(`PRAGMA ${pragma}`)
  for (const [name, want] of Object.entries(expected)) {
    const rows = await prisma.$queryRawUnsafe(`PRAGMA ${name}`)
    const have = String(Object.values(rows[0] ?? {})[0])
    if (have !== want) throw new Error(`Prisma's connection has ${name} = ${have}, the other figures ${want}`)
  }
  return prisma
}

const prismaWrites = {
  enqueue: (tx, i) => prismaEnqueue(tx, QUEUE, { i }),
  insert: (tx, i) => tx.honkerJob.create({ data: jobRow(i), select: { id: true } }),
}

async function prismaRun(workDir, name, perTx, units, write = prismaWrites.enqueue) {
  const { PrismaClient } = await loadPrismaClient()
  const file = setup(workDir, name)
  const prisma = await openPrisma(PrismaClient, file)
  let i = 0
  const result = await throughputAsync(async () => {
    await prisma.$transaction(async (tx) => {
      for (let k = 0; k < perTx; k++) await write(tx, i++)
    })
    return perTx
  }, { units })
  await prisma.$disconnect()
  checkCommitted(file, i)
  return result
}

/** `await prisma.$transaction(async (tx) => { await enqueue(tx, ...) })`: one job per transaction. */
export function prismaEnqueue1({ workDir, units }) {
  return prismaRun(workDir, 'prisma-enqueue-1', 1, units)
}

/** 100 `await enqueue(tx, ...)` calls in one Prisma interactive transaction. */
export function prismaEnqueue100({ workDir, units }) {
  return prismaRun(workDir, 'prisma-enqueue-100', 100, units)
}

/** `await tx.honkerJob.create({ data: row })`, one per transaction. */
export function prismaInsert1({ workDir, units }) {
  return prismaRun(workDir, 'prisma-insert-1', 1, units, prismaWrites.insert)
}

/** 100 `tx.honkerJob.create` calls in one Prisma interactive transaction. */
export function prismaInsert100({ workDir, units }) {
  return prismaRun(workDir, 'prisma-insert-100', 100, units, prismaWrites.insert)
}
