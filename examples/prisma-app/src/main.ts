// prisma-app: orders + emails on Prisma 7 with Honker, on SQLite (@prisma/adapter-better-sqlite3,
// @honker/prisma) or PostgreSQL (@prisma/adapter-pg, @honker/prisma/pg); src/db.ts picks one from
// HONKER_ENGINE, and src/sqlite.ts and src/postgres.ts hold what differs.
//
// Each order writes its row, its email row, the job that sends the email and an order.placed
// stream event in one prisma.$transaction; a worker process (src/worker.ts) sends the emails,
// woken by the commits, and announces each one with a notification this process listens for.
//
//   node dist/src/main.js            200 orders
//   node dist/src/main.js --quick    20 orders (CI); exits 1 on any failed check
//   options: --keep (keep the database file, or the database on DATABASE_URL's server)
//   HONKER_ENGINE=postgres           on PostgreSQL: a new database on DATABASE_URL's server, or on
//                                    a throwaway cluster started for the run
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { EMAIL_EVENTS, ORDER_EVENTS, PaymentDeclinedError, type EmailEvent } from './app.ts'
import { ENGINE, engine } from './db.ts'

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } })
const ORDERS = args.quick ? 20 : 200

const problems: string[] = []
function check(ok: boolean, what: string): void {
  console.log(`   ${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) problems.push(what)
}
const step = (title: string): void => console.log(`\n== ${title}`)

const fresh = await engine.createFreshDatabase()
const url = fresh.url

async function main(): Promise<void> {
  console.log(`Database (${ENGINE}): ${fresh.shown}`)
  step(`1. Migrations (${engine.migrationsDir}, applied by @honker/prisma's runner: no schema engine)`)
  const { applied, checks } = await engine.migrate(url)
  console.log(`   applied ${applied.join(', ')}`)
  for (const [ok, what] of checks) check(ok, what)

  const app = await engine.openApp(url)
  const { honker } = app
  try {
    step('2. A declined card rolls back the order, its email and its job')
    let declined = ''
    try {
      await app.placeOrder({ customer: 'mallory', email: 'mallory@example.com', totalCents: 99_999, declineCard: true })
    } catch (error) {
      if (!(error instanceof PaymentDeclinedError)) throw error
      declined = error.message
    }
    check(declined === 'card declined for mallory', `the checkout failed: ${declined}`)
    const counts = await app.counts()
    check(counts.orders === 0 && counts.emails === 0, 'no order row, no email row')
    check(counts.jobs === 0, 'no job (read with prisma.honkerJob, the model over _honker_live)')
    check(counts.streamEvents === 0, 'no order.placed event')

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
    console.log(`   ready (pid ${worker.pid}); it sleeps until a commit wakes it (${ENGINE === 'postgres' ? 'LISTEN/NOTIFY' : 'the commit watcher'})`)

    step(`4. ${ORDERS} orders, and one to an address that bounces`)
    // Listen before placing the orders: a listener sees what commits after it starts.
    const events = await honker.listen<EmailEvent>(EMAIL_EVENTS, { signal: AbortSignal.timeout(30_000) })
    const placed = []
    for (let i = 1; i <= ORDERS; i++) {
      placed.push(await app.placeOrder({ customer: `customer-${i}`, email: `customer-${i}@example.com`, totalCents: 500 + i }))
    }
    const bounce = await app.placeOrder({ customer: 'ghost', email: 'ghost@bounce.example', totalCents: 100 })
    console.log(`   placed ${placed.length + 1} orders; first: order #${placed[0]!.orderId}, email #${placed[0]!.emailId}, job #${placed[0]!.jobId}`)
    const heard = new Map<number, EmailEvent['status']>()
    for await (const event of events) {
      heard.set(event.payload.emailId, event.payload.status)
      if (heard.size === ORDERS + 1) break
    }
    console.log(`   heard ${heard.size} email events from the worker (honker.notify in its transaction -> honker.listen here)`)

    step('5. Results')
    const emails = await app.emails()
    const sent = emails.filter((email) => email.status === 'sent' && email.sentAt !== null)
    check(heard.size === ORDERS + 1, `an event for every email (${heard.size}/${ORDERS + 1})`)
    check(sent.length === ORDERS && placed.every((p) => heard.get(p.emailId) === 'sent'), `${ORDERS} emails sent`)
    const bounced = emails.find((email) => email.id === bounce.emailId)
    check(bounced?.status === 'bounced' && bounced.attempts === 2, 'the bouncing address was tried twice, then marked bounced')
    const dead = await app.deadJob(bounce.jobId)
    check(dead?.lastError?.includes('mailbox does not exist') === true, `its job is in _honker_dead: "${dead?.lastError}"`)
    const after = await app.counts()
    check(after.jobs === 0, 'the queue is drained')
    check(after.orders === ORDERS + 1, `${ORDERS + 1} orders (the declined one does not exist)`)
    // Compared with the ids placeOrder returned: a PostgreSQL sequence does not roll back, so
    // the declined order used up an id there.
    const orderIds = [...placed, bounce].map((p) => p.orderId)
    const placedEvents = await honker.stream<{ orderId: number }>(ORDER_EVENTS).readSince(0, 1000)
    check(
      placedEvents.length === ORDERS + 1 && placedEvents.every((event, i) => event.payload.orderId === orderIds[i] && event.key === `order-${orderIds[i]}`),
      `${ORDERS + 1} order.placed events on the "${ORDER_EVENTS}" stream, in order`,
    )

    step('6. Stopping the worker (SIGTERM)')
    worker.kill('SIGTERM')
    const code = await exited
    const stats = messages.find((m) => m.type === 'stopped')?.stats
    console.log(`   worker stats: ${JSON.stringify(stats)}`)
    check(code === 0 && stats?.completed === ORDERS && stats.dead === 1, 'the worker finished cleanly, its stats add up')
  } finally {
    await app.close()
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
  if (await fresh.drop({ keep: args.keep })) console.log(`\n   database kept at ${fresh.shown}`)
}
if (problems.length > 0) console.error(`\n${problems.length} check(s) failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
if (failed || problems.length > 0) process.exitCode = 1
else console.log(`\nAll checks passed (${ENGINE}).`)
