// The app on SQLite (the default engine, see src/db.js): better-sqlite3 + Drizzle, migrated by
// drizzle-kit's migrations (drizzle/, which carry Honker's tables), and Honker on the same file.
// better-sqlite3's transactions are synchronous: the callbacks below are too, and enqueue(),
// publish() and notify() from @honker/drizzle return their results synchronously inside them.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { createHonker, enqueue, honkerLive, notify, publish } from '@honker/drizzle'
import { CardDeclined, EMAIL_QUEUE, EMAIL_SENT_CHANNEL, ORDER_STREAM } from './common.js'
import * as schema from './schema.js'

const { emails, orders } = schema
const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url))

/** A new database file in a temp directory. */
export async function createFreshDatabase() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drizzle-app-'))
  const file = path.join(dir, 'app.db')
  return {
    location: file,
    shown: file,
    async drop({ keep = false } = {}) {
      if (!keep) fs.rmSync(dir, { recursive: true, force: true })
      return keep
    },
  }
}

/**
 * Open the app's database file with Drizzle, and Honker on the same file.
 * @param {string} file
 * @param {{ migrate?: boolean }} [options] the main process migrates; workers start after it
 */
export async function openApp(file, options = {}) {
  const sqlite = new BetterSqlite3(file, { timeout: 5000 }) // busy_timeout: three processes take turns writing
  sqlite.pragma('journal_mode = WAL') // readers never block the writer
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  const db = drizzle({ client: sqlite, schema })
  const migrationChecks = []
  // Drizzle's migrations first: they create the app's tables and Honker's. createHonker() then
  // finds Honker's tables in place and only records its own ledger.
  if (options.migrate) {
    migrate(db, { migrationsFolder })
    const tables = db.all(sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).map((row) => row.name)
    migrationChecks.push([
      tables.includes('orders') && tables.includes('emails') && tables.includes('_honker_live'),
      `drizzle-kit's migration created the app's and Honker's tables (${tables.length} tables)`,
    ])
  }
  const honker = createHonker({ db })
  if (options.migrate) {
    const ledger = db.all(sql`SELECT version FROM _honker_ts_migrations`)
    migrationChecks.push([ledger.length === 3, "createHonker() found Honker's tables in place and only recorded its ledger"])
  }

  return {
    db,
    honker,
    tables: { orders, emails },
    migrationChecks,

    /**
     * Checkout: the order row, its email job and its stream event commit together or not at all.
     * Synchronous: enqueue() returns the job id right away. 'immediate' takes the write lock up
     * front, so a checkout started while a worker writes waits (busy_timeout) instead of failing.
     */
    checkout({ customer, email, totalCents, declined = false }) {
      return db.transaction(
        (tx) => {
          const order = tx.insert(orders).values({ customer, email, totalCents }).returning().get()
          const jobId = enqueue(tx, EMAIL_QUEUE, { orderId: order.id, to: email }, { maxAttempts: 3 })
          publish(tx, ORDER_STREAM, { type: 'order.placed', orderId: order.id, totalCents }, { key: `order-${order.id}` })
          if (declined) throw new CardDeclined(`card declined for ${customer}`) // rolls back all three
          return { orderId: order.id, jobId }
        },
        { behavior: 'immediate' },
      )
    },

    /** "Send" the email: its row, the order marked emailed and a notification, in one transaction. */
    sendEmail(job, sentBy) {
      db.transaction(
        (tx) => {
          const order = tx.select().from(orders).where(eq(orders.id, job.payload.orderId)).get()
          if (order === undefined) throw new Error(`order ${job.payload.orderId} not found`)
          // At-least-once delivery: a job may run again after a crash, the unique order_id keeps one email.
          tx.insert(emails)
            .values({ orderId: order.id, to: job.payload.to, subject: `Order #${order.id} confirmed`, sentBy, attempt: job.attempts })
            .onConflictDoNothing()
            .run()
          tx.update(orders).set({ status: 'emailed' }).where(eq(orders.id, order.id)).run()
          notify(tx, EMAIL_SENT_CHANNEL, { orderId: order.id, worker: sentBy, attempt: job.attempts })
        },
        { behavior: 'immediate' },
      )
    },

    /** Jobs still in `_honker_live`, read through Drizzle with @honker/drizzle's table. */
    liveJobs() {
      return db.select().from(honkerLive).all().length
    },

    close() {
      honker.close()
      sqlite.close()
    },
  }
}
