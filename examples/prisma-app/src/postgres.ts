// The app on PostgreSQL (HONKER_ENGINE=postgres, see src/db.ts): Prisma 7 on @prisma/adapter-pg
// with @honker/prisma/pg, the client generated from prisma/schema-postgres (the app's models in
// schema "public", Honker's in schema "honker"). Prisma and Honker share one pg Pool: the adapter
// runs the app's queries and transactions on it, and createHonker (@honker/postgres) its own,
// woken across processes by LISTEN/NOTIFY.
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freshPostgresDatabase } from '@honker/testkit/postgres'
import { PrismaPg } from '@prisma/adapter-pg'
import { applyPostgresMigrations, createHonker, enqueue, honkerPostgresMigrationsDir, notify, publish } from '@honker/prisma/pg'
import { PG_MIGRATIONS } from '@honker/postgres'
import { PrismaClient } from '../generated/prisma-postgres/client.ts'
import { EMAIL_EVENTS, EMAIL_QUEUE, ORDER_EVENTS, PaymentDeclinedError, type EmailJob, type Engine } from './app.ts'

const APP_ROOT = fileURLToPath(new URL('../..', import.meta.url)) // from dist/src/
export const migrationsDir: Engine['migrationsDir'] = 'prisma/migrations-postgres'
const MIGRATIONS_DIR = path.join(APP_ROOT, migrationsDir)

/**
 * A new database (CREATE DATABASE) on the server at DATABASE_URL or, without it, on a throwaway
 * cluster started here (initdb in a temp directory, @honker/testkit/postgres) and stopped by drop().
 */
export const createFreshDatabase: Engine['createFreshDatabase'] = () => freshPostgresDatabase('prisma_app')

/**
 * prisma/migrations-postgres (the app's migration, and Honker's: a copy of @honker/prisma's
 * prisma/migrations-postgres), applied by applyPostgresMigrations without Prisma's schema engine,
 * recorded in _prisma_migrations as `prisma migrate deploy` does.
 */
export const migrate: Engine['migrate'] = async (url) => {
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  try {
    const { applied } = await applyPostgresMigrations({ postgres: pool, dir: MIGRATIONS_DIR })
    const checks: [boolean, string][] = []
    const folders = readdirSync(MIGRATIONS_DIR).filter((name) => !name.endsWith('.toml'))
    checks.push([applied.length === folders.length, 'every migration folder was applied'])
    const again = await applyPostgresMigrations({ postgres: pool, dir: MIGRATIONS_DIR })
    checks.push([again.applied.length === 0, 'a second run applies nothing: recorded in _prisma_migrations'])
    const shippedSql = readdirSync(honkerPostgresMigrationsDir)
      .sort()
      .map((folder) => readFileSync(path.join(honkerPostgresMigrationsDir, folder, 'migration.sql'), 'utf8'))
      .join('')
    // One folder per Honker schema upgrade, each a copy of what @honker/prisma ships.
    const honkerMigrations = folders.filter((name) => /_honker(_|$)/.test(name)).sort()
    checks.push([
      honkerMigrations.map((folder) => readFileSync(path.join(MIGRATIONS_DIR, folder, 'migration.sql'), 'utf8')).join('') === shippedSql,
      `${migrationsDir}/{${honkerMigrations.join(',')}} are @honker/prisma's prisma/migrations-postgres SQL`,
    ])
    const fragment = path.join(path.dirname(createRequire(import.meta.url).resolve('@honker/prisma/package.json')), 'prisma', 'honker.postgres.prisma')
    checks.push([
      readFileSync(path.join(APP_ROOT, 'prisma', 'schema-postgres', 'honker.postgres.prisma'), 'utf8') === readFileSync(fragment, 'utf8'),
      "prisma/schema-postgres/honker.postgres.prisma is @honker/prisma's schema fragment",
    ])
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM honker._honker_ts_migrations ORDER BY version')
    const ledger = rows.map((row) => row.version)
    checks.push([
      ledger.join() === PG_MIGRATIONS.map((m) => m.version).join(),
      `Honker finds its schema complete (honker._honker_ts_migrations: ${ledger.join(', ')}): nothing left to migrate at runtime`,
    ])
    return { applied, checks }
  } finally {
    await pool.end()
  }
}

export const openApp: Engine['openApp'] = async (url) => {
  const pool = new pg.Pool({ connectionString: url, max: 5 })
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
  const honker = await createHonker({ postgres: pool }) // resolves once the schema is current
  return {
    honker,

    placeOrder: (order) =>
      prisma.$transaction(async (tx) => {
        const row = await tx.order.create({ data: { customer: order.customer, totalCents: order.totalCents } })
        const email = await tx.email.create({ data: { orderId: row.id, to: order.email } })
        const job: EmailJob = { emailId: email.id }
        const jobId = await enqueue(tx, EMAIL_QUEUE, job, { maxAttempts: 2 })
        await publish(tx, ORDER_EVENTS, { type: 'order.placed', orderId: row.id, totalCents: order.totalCents }, { key: `order-${row.id}` })
        if (order.declineCard === true) throw new PaymentDeclinedError(`card declined for ${order.customer}`)
        return { orderId: row.id, emailId: email.id, jobId }
      }),

    counts: async () => ({
      orders: await prisma.order.count(),
      emails: await prisma.email.count(),
      jobs: await prisma.honkerJob.count(), // the model over honker._honker_live
      streamEvents: await prisma.honkerStreamEvent.count(),
    }),
    emails: () => prisma.email.findMany({ orderBy: { id: 'asc' } }),
    email: (id) => prisma.email.findUniqueOrThrow({ where: { id } }),
    deadJob: (id) => prisma.honkerDeadJob.findUnique({ where: { id: BigInt(id) } }), // Honker's integers are bigint here

    // A Prisma transaction: the email's outcome and its notification commit together, and the
    // notification reaches listeners on every server at commit. (No same-process lock waits on
    // PostgreSQL, unlike SQLite: see src/sqlite.ts.)
    async recordOutcome(event, attempts) {
      await prisma.$transaction(async (tx) => {
        await tx.email.update({
          where: { id: event.emailId },
          data: { status: event.status, attempts, sentAt: event.status === 'sent' ? Math.floor(Date.now() / 1000) : null },
        })
        await notify(tx, EMAIL_EVENTS, event)
      })
    },

    async close() {
      await prisma.$disconnect() // leaves the pool, which is ours
      honker.close() // its LISTEN connection
      await pool.end()
    },
  }
}
