// drizzle-app: an orders app on Drizzle ORM with @honker/drizzle, on SQLite (better-sqlite3) or
// PostgreSQL (node-postgres, @honker/drizzle/pg); src/db.js picks one from HONKER_ENGINE.
//
// Each checkout inserts the order through Drizzle and enqueues its confirmation email (and appends
// an `orders` stream event) in ONE Drizzle transaction. Two worker processes (src/worker.js) send
// the emails, woken across processes by the commits (SQLite's commit watcher, or LISTEN/NOTIFY).
//
//   node src/main.js            20 orders
//   node src/main.js --quick    the same, for CI; exits 1 if any check fails
//   options: --orders N  --keep (keep the database file, or the database on DATABASE_URL's server)
//   HONKER_ENGINE=postgres      on PostgreSQL: a new database on DATABASE_URL's server, or on a
//                               throwaway cluster started for the run
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { asc } from 'drizzle-orm'
import { CardDeclined, EMAIL_QUEUE, EMAIL_SENT_CHANNEL, ENGINE, ORDER_STREAM, createFreshDatabase, openApp } from './db.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    orders: { type: 'string', default: '20' },
  },
})
const ORDER_COUNT = Number(args.orders)
const WORKER_SCRIPT = fileURLToPath(new URL('./worker.js', import.meta.url))
const TIMEOUT_MS = 30_000

const problems = []
const say = (line = '') => console.log(line)
const check = (ok, what) => {
  say(`   ${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) problems.push(what)
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** @type {import('node:child_process').ChildProcess[]} */
const workers = []
let fresh
let app

function startWorker(name) {
  const child = fork(WORKER_SCRIPT, [fresh.location, name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ready = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.type === 'ready') resolve(message)
      else if (message.type === 'retried') say(`   ${message.worker}: order ${message.orderId} retried in ${message.delayS}s (${message.error})`)
      else if (message.type === 'worker-error') problems.push(`${message.worker}: ${message.error}`)
    })
    child.on('exit', (code) => reject(new Error(`${name} exited early (code ${code})`)))
  })
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  workers.push(child)
  return { name, child, ready, exited }
}

async function main() {
  fresh = await createFreshDatabase()
  say(`== Database (${ENGINE}): ${fresh.shown}`)
  app = await openApp(fresh.location, { migrate: true })
  const { honker } = app
  const { orders, emails } = app.tables
  for (const [ok, what] of app.migrationChecks) check(ok, what)

  say('\n== A declined checkout rolls back the order, its job and its event')
  let thrown = null
  try {
    await app.checkout({ customer: 'Mallory', email: 'mallory@example.com', totalCents: 999, declined: true })
  } catch (error) {
    thrown = error
  }
  check(thrown instanceof CardDeclined, 'the transaction threw CardDeclined')
  check((await app.db.select().from(orders)).length === 0, 'no order row')
  check((await app.liveJobs()) === 0, 'no email job')
  check((await honker.stream(ORDER_STREAM).readSince(0, 10)).length === 0, 'no stream event')

  say('\n== Two worker processes')
  const procs = [startWorker('worker-1'), startWorker('worker-2')]
  await Promise.all(procs.map((p) => p.ready))
  say('   both ready (woken by commits only: fallback polling is off)')

  const sent = new Map()
  const listener = await honker.listen(EMAIL_SENT_CHANNEL) // PostgreSQL: resolves once subscribed
  const listening = (async () => {
    for await (const notification of listener) {
      sent.set(notification.payload.orderId, notification.payload)
      if (sent.size === ORDER_COUNT) break
    }
  })()

  say(`\n== ${ORDER_COUNT} checkouts, each one Drizzle transaction (order + job + event)`)
  const placed = []
  for (let i = 1; i <= ORDER_COUNT; i++) {
    const email = i === 3 ? 'flaky@example.com' : `customer${i}@example.com`
    placed.push(await app.checkout({ customer: `Customer ${i}`, email, totalCents: 1000 + i }))
    await sleep(5)
  }
  check(placed.every((p) => typeof p.jobId === 'number'), 'enqueue() returned each job id inside db.transaction')

  const timeout = sleep(TIMEOUT_MS).then(() => 'timeout')
  const outcome = await Promise.race([listening.then(() => 'done'), timeout])
  listener.close()
  check(outcome === 'done', `every order's "email sent" notification arrived (${sent.size}/${ORDER_COUNT})`)

  // The ack follows each handler's commit on the worker's own connection: give the last one a moment.
  for (let i = 0; i < 100 && (await app.liveJobs()) > 0; i++) await sleep(20)
  const allOrders = await app.db.select().from(orders).orderBy(asc(orders.id))
  const allEmails = await app.db.select().from(emails)
  check(allOrders.length === ORDER_COUNT && allOrders.every((o) => o.status === 'emailed'), 'every order is emailed')
  check(allEmails.length === ORDER_COUNT, 'exactly one email per order')
  const flaky = allEmails.find((e) => e.to === 'flaky@example.com')
  check(flaky?.attempt === 2, 'the flaky address failed once and was retried by Honker')
  check((await app.liveJobs()) === 0, 'the queue is empty (all jobs acked)')
  check((await honker.queue(EMAIL_QUEUE).counts()).dead === 0, 'no dead jobs')
  const byWorker = new Map()
  for (const e of allEmails) byWorker.set(e.sentBy, (byWorker.get(e.sentBy) ?? 0) + 1)
  say(`   sent by: ${[...byWorker].map(([worker, n]) => `${worker} ${n}`).join(', ')}`)
  const events = await honker.stream(ORDER_STREAM).readSince(0, 1000)
  check(events.length === ORDER_COUNT && events.every((e, i) => e.payload.orderId === allOrders[i].id), 'one stream event per committed order, in order')
  // Ids say nothing here: a PostgreSQL sequence does not roll back, so the declined order used one up.
  check(allOrders[0]?.customer === 'Customer 1' && !allOrders.some((o) => o.customer === 'Mallory'), 'the declined checkout left no trace')

  say('\n== Stopping the workers')
  for (const p of procs) p.child.send('stop')
  const codes = await Promise.all(procs.map((p) => p.exited))
  check(codes.every((code) => code === 0), `workers exited cleanly (${codes.join(', ')})`)
}

try {
  await main()
} catch (error) {
  problems.push(String(error?.stack ?? error))
  console.error(error)
} finally {
  for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL')
  await app?.close()
  if (await fresh?.drop({ keep: args.keep })) say(`\n(database kept at ${fresh.shown})`)
}
say(problems.length === 0 ? `\nAll checks passed (${ENGINE}).` : `\n${problems.length} check(s) failed (${ENGINE}):\n - ${problems.join('\n - ')}`)
process.exit(problems.length === 0 ? 0 : 1)
