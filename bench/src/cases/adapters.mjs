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
 */
import { enqueue as drizzleEnqueue } from '@honker/drizzle'
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

function drizzleRun(workDir, name, perTx, units) {
  const file = setup(workDir, name)
  const db = openDrizzle(file)
  let i = 0
  const result = throughput(() => {
    db.transaction((tx) => {
      for (let k = 0; k < perTx; k++) drizzleEnqueue(tx, QUEUE, { i: i++ })
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

// --- Kysely (SqliteDialect on better-sqlite3) ---

async function kyselyRun(workDir, name, perTx, units) {
  const file = setup(workDir, name)
  const db = new Kysely({ dialect: new SqliteDialect({ database: openRaw(file) }) })
  let i = 0
  const result = await throughputAsync(async () => {
    await db.transaction().execute(async (trx) => {
      for (let k = 0; k < perTx; k++) await kyselyEnqueue(trx, QUEUE, { i: i++ })
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

async function prismaRun(workDir, name, perTx, units) {
  const { PrismaClient } = await loadPrismaClient()
  const file = setup(workDir, name)
  const prisma = await openPrisma(PrismaClient, file)
  let i = 0
  const result = await throughputAsync(async () => {
    await prisma.$transaction(async (tx) => {
      for (let k = 0; k < perTx; k++) await prismaEnqueue(tx, QUEUE, { i: i++ })
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
