// The app on PostgreSQL (HONKER_ENGINE=postgres, see src/db.js): a pg Pool + drizzle-orm/node-postgres,
// the app's tables migrated by drizzle-kit's migrations (drizzle-pg/), Honker's schema by
// honkerMigrate(db), and Honker (@honker/postgres) on the same pool, woken across processes by
// LISTEN/NOTIFY. Transactions are async here: enqueue(), publish() and notify() from
// @honker/drizzle/pg take Drizzle's `tx` and return promises.
import { fileURLToPath } from 'node:url'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { freshPostgresDatabase } from '@honker/testkit/postgres'
import { createHonker, enqueue, honkerMigrate, notify, publish } from '@honker/drizzle/pg'
import { CardDeclined, EMAIL_QUEUE, EMAIL_SENT_CHANNEL, ORDER_STREAM } from './common.js'
import * as schema from './schema.pg.js'

const { emails, orders } = schema
const migrationsFolder = fileURLToPath(new URL('../drizzle-pg', import.meta.url))

/**
 * A new database (CREATE DATABASE) on the server at DATABASE_URL or, without it, on a throwaway
 * cluster started here (initdb in a temp directory, @honker/testkit/postgres) and stopped by drop().
 */
export async function createFreshDatabase() {
  const { url, shown, drop } = await freshPostgresDatabase('drizzle_app')
  return { location: url, shown, drop }
}

/**
 * Open the app's database with Drizzle, and Honker on the same pool.
 * @param {string} url
 * @param {{ migrate?: boolean }} [options] the main process migrates; workers start after it
 */
export async function openApp(url, options = {}) {
  const pool = new pg.Pool({ connectionString: url, max: 5 })
  const db = drizzle({ client: pool, schema })
  const migrationChecks = []
  const ledger = async () => JSON.stringify((await db.execute(sql`SELECT version, applied_at FROM honker._honker_ts_migrations ORDER BY version`)).rows)
  let ledgerBefore
  if (options.migrate) {
    await migrate(db, { migrationsFolder }) // the app's tables (drizzle-kit, schema public)
    const { applied } = await honkerMigrate(db) // Honker's schema `honker`, in one Drizzle transaction
    const { rows } = await db.execute(
      sql`SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema IN ('public', 'honker') ORDER BY 1`,
    )
    const tables = rows.map((row) => row.name)
    migrationChecks.push([
      tables.includes('public.orders') && tables.includes('public.emails') && tables.includes('honker._honker_live') && applied.length > 0,
      `drizzle-kit's migration created the app's tables, honkerMigrate(db) Honker's (migrations ${applied.join(', ')}; ${tables.length} tables)`,
    ])
    ledgerBefore = await ledger()
  }
  const honker = await createHonker({ db }) // @honker/postgres on db.$client, the pool
  if (options.migrate) migrationChecks.push([(await ledger()) === ledgerBefore, "createHonker() found Honker's schema current"])

  return {
    db,
    honker,
    tables: { orders, emails },
    migrationChecks,

    /** Checkout: the order row, its email job and its stream event commit together or not at all. */
    async checkout({ customer, email, totalCents, declined = false }) {
      return db.transaction(async (tx) => {
        const [order] = await tx.insert(orders).values({ customer, email, totalCents }).returning()
        const jobId = await enqueue(tx, EMAIL_QUEUE, { orderId: order.id, to: email }, { maxAttempts: 3 })
        await publish(tx, ORDER_STREAM, { type: 'order.placed', orderId: order.id, totalCents }, { key: `order-${order.id}` })
        if (declined) throw new CardDeclined(`card declined for ${customer}`) // rolls back all three
        return { orderId: order.id, jobId }
      })
    },

    /** "Send" the email: its row, the order marked emailed and a notification, in one transaction. */
    async sendEmail(job, sentBy) {
      await db.transaction(async (tx) => {
        const [order] = await tx.select().from(orders).where(eq(orders.id, job.payload.orderId))
        if (order === undefined) throw new Error(`order ${job.payload.orderId} not found`)
        // At-least-once delivery: a job may run again after a crash, the unique order_id keeps one email.
        await tx
          .insert(emails)
          .values({ orderId: order.id, to: job.payload.to, subject: `Order #${order.id} confirmed`, sentBy, attempt: job.attempts })
          .onConflictDoNothing()
        await tx.update(orders).set({ status: 'emailed' }).where(eq(orders.id, order.id))
        await notify(tx, EMAIL_SENT_CHANNEL, { orderId: order.id, worker: sentBy, attempt: job.attempts }) // heard at commit
      })
    },

    /** Jobs still in honker._honker_live, read through Drizzle. */
    async liveJobs() {
      const { rows } = await db.execute(sql`SELECT count(*)::int AS n FROM honker._honker_live`)
      return rows[0].n
    },

    async close() {
      honker.close() // its LISTEN connection
      await pool.end()
    },
  }
}
