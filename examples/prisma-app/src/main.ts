// prisma-app: orders + emails on Prisma 7 (better-sqlite3 adapter) with Honker.
//
// Each order writes its row, its email row, the job that sends the email and an order.placed
// stream event in one prisma.$transaction; a worker process (src/worker.ts) sends the emails,
// woken by the commits, and announces each one with a notification this process listens for.
//
//   node dist/src/main.js            200 orders
//   node dist/src/main.js --quick    20 orders (CI); exits 1 on any failed check
import { fork, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { applyMigrations, missingHonkerMigrations, prismaSqliteDriver } from '@honker/prisma'
import { MIGRATIONS, MIGRATIONS_TABLE } from '@honker/core/adapter'
import { EMAIL_EVENTS, ORDER_EVENTS, openApp, type EmailEvent } from './db.ts'
import { PaymentDeclinedError, placeOrder } from './orders.ts'

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
const ORDERS = args.quick ? 20 : 200
const APP_ROOT = fileURLToPath(new URL('../..', import.meta.url)) // from dist/src/
const MIGRATIONS_DIR = path.join(APP_ROOT, 'prisma', 'migrations')

const problems: string[] = []
function check(ok: boolean, what: string): void {
  console.log(`   ${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) problems.push(what)
}
const step = (title: string): void => console.log(`\n== ${title}`)

/** The Honker migration SQL and schema fragment shipped by @honker/prisma, to compare with our copies. */
function shippedByHonker(): { migrationSql: string; fragment: string } {
  const dir = path.join(honkerPrismaRoot(), 'prisma', 'migrations')
  const migrationSql = readdirSync(dir)
    .sort()
    .map((folder) => readFileSync(path.join(dir, folder, 'migration.sql'), 'utf8'))
    .join('')
  return { migrationSql, fragment: readFileSync(path.join(honkerPrismaRoot(), 'prisma', 'honker.prisma'), 'utf8') }
}

function honkerPrismaRoot(): string {
  return path.dirname(createRequire(import.meta.url).resolve('@honker/prisma/package.json'))
}

/** `honker-prisma migrate --url <url> --dir prisma/migrations`, the package's bin, as a child process. */
function migrateWithBin(url: string): { status: number | null; stdout: string } {
  const bin = path.join(honkerPrismaRoot(), 'bin', 'honker-prisma.mjs')
  const result = spawnSync(process.execPath, [bin, 'migrate', '--url', url, '--dir', 'prisma/migrations'], { cwd: APP_ROOT, encoding: 'utf8' })
  if (result.stderr !== '') console.error(result.stderr.trimEnd())
  return { status: result.status, stdout: result.stdout }
}

const tmp = mkdtempSync(path.join(tmpdir(), 'prisma-app-'))
const file = path.join(tmp, 'app.db')
const url = `file:${file}`

async function main(): Promise<void> {
  step("1. Migrations (prisma/migrations, applied by @honker/prisma's runner: no schema engine)")
  const { applied } = applyMigrations({ url, migrationsDir: MIGRATIONS_DIR })
  console.log(`   applied ${applied.join(', ')}`)
  check(applied.length === readdirSync(MIGRATIONS_DIR).filter((name) => !name.endsWith('.toml')).length, 'every migration folder was applied')
  const again = migrateWithBin(url)
  check(
    again.status === 0 && again.stdout.includes('No pending migrations to apply.'),
    'a second run (the honker-prisma bin) applies nothing: recorded in _prisma_migrations',
  )
  check(missingHonkerMigrations(MIGRATIONS_DIR).length === 0, "prisma/migrations holds every Honker migration that @honker/prisma ships")
  const shipped = shippedByHonker()
  const honkerMigration = readdirSync(MIGRATIONS_DIR).find((name) => name.endsWith('_honker'))!
  check(
    readFileSync(path.join(MIGRATIONS_DIR, honkerMigration, 'migration.sql'), 'utf8') === shipped.migrationSql,
    `prisma/migrations/${honkerMigration} is @honker/prisma's migration SQL (honker-prisma add-migration wrote it)`,
  )
  check(
    readFileSync(path.join(APP_ROOT, 'prisma', 'schema', 'honker.prisma'), 'utf8') === shipped.fragment,
    "prisma/schema/honker.prisma is @honker/prisma's schema fragment",
  )

  // Read before createHonker() opens the file (it would migrate whatever is missing).
  const Driver = prismaSqliteDriver()
  const raw = new Driver(file, { readonly: true })
  const ledger = (raw.prepare(`SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`).all() as { version: number }[]).map((row) => row.version)
  raw.close()
  check(
    ledger.join() === MIGRATIONS.map((m) => m.version).join(),
    `Honker finds its schema complete (${MIGRATIONS_TABLE}: ${ledger.join(', ')}): nothing left to migrate at runtime`,
  )

  const { prisma, honker, close } = openApp(url)
  try {
    step('2. A declined card rolls back the order, its email and its job')
    let declined = ''
    try {
      await placeOrder(prisma, { customer: 'mallory', email: 'mallory@example.com', totalCents: 99_999, declineCard: true })
    } catch (error) {
      if (!(error instanceof PaymentDeclinedError)) throw error
      declined = error.message
    }
    check(declined === 'card declined for mallory', `the checkout failed: ${declined}`)
    check((await prisma.order.count()) === 0 && (await prisma.email.count()) === 0, 'no order row, no email row')
    check((await prisma.honkerJob.count()) === 0, 'no job (read with prisma.honkerJob, the model over _honker_live)')
    check((await prisma.honkerStreamEvent.count()) === 0, 'no order.placed event')

    step('3. The worker process')
    const worker = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const messages: { type: string; stats?: Record<string, number> }[] = []
    worker.on('message', (message) => messages.push(message as (typeof messages)[number]))
    const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve())
      worker.once('exit', (code) => reject(new Error(`the worker exited with ${code} before it was ready`)))
    })
    console.log(`   ready (pid ${worker.pid}); it sleeps until a commit lands on the file`)

    step(`4. ${ORDERS} orders, and one to an address that bounces`)
    // Listen before placing the orders: a listener sees what commits after it starts.
    const events = honker.listen<EmailEvent>(EMAIL_EVENTS, { signal: AbortSignal.timeout(30_000) })
    const placed = []
    for (let i = 1; i <= ORDERS; i++) {
      placed.push(await placeOrder(prisma, { customer: `customer-${i}`, email: `customer-${i}@example.com`, totalCents: 500 + i }))
    }
    const bounce = await placeOrder(prisma, { customer: 'ghost', email: 'ghost@bounce.example', totalCents: 100 })
    console.log(`   placed ${placed.length + 1} orders; first: order #${placed[0]!.orderId}, email #${placed[0]!.emailId}, job #${placed[0]!.jobId}`)
    const heard = new Map<number, EmailEvent['status']>()
    for await (const event of events) {
      heard.set(event.payload.emailId, event.payload.status)
      if (heard.size === ORDERS + 1) break
    }
    console.log(`   heard ${heard.size} email events from the worker (honker.notify in its transaction -> honker.listen here)`)

    step('5. Results')
    const emails = await prisma.email.findMany({ orderBy: { id: 'asc' } })
    const sent = emails.filter((email) => email.status === 'sent' && email.sentAt !== null)
    check(heard.size === ORDERS + 1, `an event for every email (${heard.size}/${ORDERS + 1})`)
    check(sent.length === ORDERS && placed.every((p) => heard.get(p.emailId) === 'sent'), `${ORDERS} emails sent`)
    const bounced = emails.find((email) => email.id === bounce.emailId)
    check(bounced?.status === 'bounced' && bounced.attempts === 2, 'the bouncing address was tried twice, then marked bounced')
    const dead = await prisma.honkerDeadJob.findUnique({ where: { id: bounce.jobId } })
    check(dead?.lastError?.includes('mailbox does not exist') === true, `its job is in _honker_dead: "${dead?.lastError}"`)
    check((await prisma.honkerJob.count()) === 0, 'the queue is drained')
    check((await prisma.order.count()) === ORDERS + 1, `${ORDERS + 1} orders (the declined one does not exist)`)
    const placedEvents = honker.stream<{ orderId: number }>(ORDER_EVENTS).readSince(0, 1000)
    check(
      placedEvents.length === ORDERS + 1 && placedEvents.every((event, i) => event.payload.orderId === i + 1 && event.key === `order-${i + 1}`),
      `${ORDERS + 1} order.placed events on the "${ORDER_EVENTS}" stream, in order`,
    )

    step('6. Stopping the worker (SIGTERM)')
    worker.kill('SIGTERM')
    const code = await exited
    const stats = messages.find((m) => m.type === 'stopped')?.stats
    console.log(`   worker stats: ${JSON.stringify(stats)}`)
    check(code === 0 && stats?.completed === ORDERS && stats.dead === 1, 'the worker finished cleanly, its stats add up')
  } finally {
    await close()
  }
}

const watchdog = setTimeout(() => {
  console.error('\nprisma-app: timed out after 60 s')
  process.exit(1)
}, 60_000)
watchdog.unref()

let failed = false
try {
  await main()
} catch (error) {
  console.error(`\nprisma-app failed: ${error instanceof Error ? error.stack : String(error)}`)
  failed = true
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
if (problems.length > 0) console.error(`\n${problems.length} check(s) failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
if (failed || problems.length > 0) process.exitCode = 1
else console.log('\nAll checks passed.')
