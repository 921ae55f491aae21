// The app on SQLite (the default engine, see src/db.ts): Prisma 7 on @prisma/adapter-better-sqlite3
// with @honker/prisma. Prisma and Honker are given the same URL: Prisma's adapter opens the file for
// the app's queries and transactions, createHonker opens its own connections to the same file for
// workers and listeners.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { applyMigrations, createHonker, enqueue, missingHonkerMigrations, prismaSqliteDriver, publish } from '@honker/prisma'
import { MIGRATIONS, MIGRATIONS_TABLE } from '@honker/core/adapter'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaClient } from '../generated/prisma/client.ts'
import { EMAIL_EVENTS, EMAIL_QUEUE, ORDER_EVENTS, PaymentDeclinedError, type EmailJob, type Engine } from './app.ts'

const APP_ROOT = fileURLToPath(new URL('../..', import.meta.url)) // from dist/src/
export const migrationsDir: Engine['migrationsDir'] = 'prisma/migrations'
const MIGRATIONS_DIR = path.join(APP_ROOT, migrationsDir)

/** A new database file in a temp directory. */
export const createFreshDatabase: Engine['createFreshDatabase'] = async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'prisma-app-'))
  const file = path.join(tmp, 'app.db')
  return {
    url: `file:${file}`,
    shown: file,
    async drop({ keep = false } = {}) {
      if (!keep) rmSync(tmp, { recursive: true, force: true })
      return keep
    },
  }
}

/**
 * prisma/migrations (the app's migration and Honker's), applied by @honker/prisma's runner without
 * Prisma's schema engine, recorded in _prisma_migrations as `prisma migrate deploy` does.
 */
export const migrate: Engine['migrate'] = async (url) => {
  const { applied } = applyMigrations({ url, migrationsDir: MIGRATIONS_DIR })
  const checks: [boolean, string][] = []
  checks.push([applied.length === readdirSync(MIGRATIONS_DIR).filter((name) => !name.endsWith('.toml')).length, 'every migration folder was applied'])
  const again = migrateWithBin(url)
  checks.push([
    again.status === 0 && again.stdout.includes('No pending migrations to apply.'),
    'a second run (the honker-prisma bin) applies nothing: recorded in _prisma_migrations',
  ])
  checks.push([missingHonkerMigrations(MIGRATIONS_DIR).length === 0, 'prisma/migrations holds every Honker migration that @honker/prisma ships'])
  const shipped = shippedByHonker()
  // One folder per `honker-prisma add-migration` run (the first, then one per upgrade of the schema).
  const honkerMigrations = readdirSync(MIGRATIONS_DIR).filter((name) => /_honker(_|$)/.test(name)).sort()
  checks.push([
    honkerMigrations.map((folder) => readFileSync(path.join(MIGRATIONS_DIR, folder, 'migration.sql'), 'utf8')).join('') === shipped.migrationSql,
    `prisma/migrations/{${honkerMigrations.join(',')}} are @honker/prisma's migration SQL (honker-prisma add-migration wrote them)`,
  ])
  checks.push([
    readFileSync(path.join(APP_ROOT, 'prisma', 'schema', 'honker.prisma'), 'utf8') === shipped.fragment,
    "prisma/schema/honker.prisma is @honker/prisma's schema fragment",
  ])
  // Read before createHonker() opens the file (it would migrate whatever is missing).
  const Driver = prismaSqliteDriver()
  const raw = new Driver(url.slice('file:'.length), { readonly: true })
  const ledger = (raw.prepare(`SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`).all() as { version: number }[]).map((row) => row.version)
  raw.close()
  checks.push([
    ledger.join() === MIGRATIONS.map((m) => m.version).join(),
    `Honker finds its schema complete (${MIGRATIONS_TABLE}: ${ledger.join(', ')}): nothing left to migrate at runtime`,
  ])
  return { applied, checks }
}

function honkerPrismaRoot(): string {
  return path.dirname(createRequire(import.meta.url).resolve('@honker/prisma/package.json'))
}

/** The Honker migration SQL and schema fragment shipped by @honker/prisma, to compare with our copies. */
function shippedByHonker(): { migrationSql: string; fragment: string } {
  const dir = path.join(honkerPrismaRoot(), 'prisma', 'migrations')
  const migrationSql = readdirSync(dir)
    .sort()
    .map((folder) => readFileSync(path.join(dir, folder, 'migration.sql'), 'utf8'))
    .join('')
  return { migrationSql, fragment: readFileSync(path.join(honkerPrismaRoot(), 'prisma', 'honker.prisma'), 'utf8') }
}

/** `honker-prisma migrate --url <url> --dir prisma/migrations`, the package's bin, as a child process. */
function migrateWithBin(url: string): { status: number | null; stdout: string } {
  const bin = path.join(honkerPrismaRoot(), 'bin', 'honker-prisma.mjs')
  const result = spawnSync(process.execPath, [bin, 'migrate', '--url', url, '--dir', migrationsDir], { cwd: APP_ROOT, encoding: 'utf8' })
  if (result.stderr !== '') console.error(result.stderr.trimEnd())
  return { status: result.status, stdout: result.stdout }
}

export const openApp: Engine['openApp'] = async (url) => {
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url }) })
  const honker = createHonker({ url })
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
      jobs: await prisma.honkerJob.count(), // the model over _honker_live
      streamEvents: await prisma.honkerStreamEvent.count(),
    }),
    emails: () => prisma.email.findMany({ orderBy: { id: 'asc' } }),
    email: (id) => prisma.email.findUniqueOrThrow({ where: { id } }),
    deadJob: (id) => prisma.honkerDeadJob.findUnique({ where: { id } }),

    // Honker's own transaction, which is synchronous and atomic: the status update and the
    // notification commit together, and nothing else in this process can interleave with them.
    // Writing through prisma.$transaction with notify(tx, ...) works too: see
    // docs/adapters/prisma.md, "Same-process lock waits".
    async recordOutcome(event, attempts) {
      honker.transaction((tx) => {
        tx.run('UPDATE emails SET status = ?, attempts = ?, sent_at = ? WHERE id = ?', [
          event.status,
          attempts,
          event.status === 'sent' ? Math.floor(Date.now() / 1000) : null,
          event.emailId,
        ])
        honker.notify(EMAIL_EVENTS, event, { tx })
      })
    },

    async close() {
      await prisma.$disconnect()
      honker.close()
    },
  }
}
