// drizzle-app: an orders app on Drizzle ORM + better-sqlite3 with @honker/drizzle.
//
// Each checkout inserts the order through Drizzle and enqueues its confirmation email (and appends
// an `orders` stream event) in ONE Drizzle transaction. Two worker processes (src/worker.js) send
// the emails, woken across processes by the commits.
//
//   node src/main.js            20 orders
//   node src/main.js --quick    the same, for CI; exits 1 if any check fails
//   options: --orders N  --keep (keep the database file)
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { eq, sql } from 'drizzle-orm'
import { enqueue, honkerLive, publish } from '@honker/drizzle'
import { EMAIL_QUEUE, EMAIL_SENT_CHANNEL, ORDER_STREAM, openApp } from './db.js'
import { emails, orders } from './schema.js'

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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drizzle-app-'))
const file = path.join(dir, 'app.db')
/** @type {import('node:child_process').ChildProcess[]} */
const workers = []
let app

class CardDeclined extends Error {}

/**
 * Checkout: the order row, its email job and its stream event commit together or not at all.
 * better-sqlite3 transactions are synchronous: enqueue() returns the job id right away.
 */
function checkout(db, customer, email, totalCents, { declined = false } = {}) {
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
}

function startWorker(name) {
  const child = fork(WORKER_SCRIPT, [file, name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
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
  say(`== Database: ${file}`)
  app = openApp(file, { migrate: true })
  const { db, honker } = app
  const tables = db.all(sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).map((row) => row.name)
  check(tables.includes('orders') && tables.includes('_honker_live'), `drizzle-kit migration created the app's and Honker's tables (${tables.length} tables)`)
  const ledger = db.all(sql`SELECT version FROM _honker_ts_migrations`)
  check(ledger.length === 2, "createHonker() found Honker's tables in place and only recorded its ledger")

  say('\n== A declined checkout rolls back the order, its job and its event')
  let thrown = null
  try {
    checkout(db, 'Mallory', 'mallory@example.com', 999, { declined: true })
  } catch (error) {
    thrown = error
  }
  check(thrown instanceof CardDeclined, 'the transaction threw CardDeclined')
  check(db.select().from(orders).all().length === 0, 'no order row')
  check(db.select().from(honkerLive).all().length === 0, 'no email job')
  check(honker.stream(ORDER_STREAM).readSince(0, 10).length === 0, 'no stream event')

  say('\n== Two worker processes')
  const procs = [startWorker('worker-1'), startWorker('worker-2')]
  await Promise.all(procs.map((p) => p.ready))
  say('   both ready (woken by commits only: fallback polling is off)')

  const sent = new Map()
  const listener = honker.listen(EMAIL_SENT_CHANNEL)
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
    placed.push(checkout(db, `Customer ${i}`, email, 1000 + i))
    await sleep(5)
  }
  check(placed.every((p) => typeof p.jobId === 'number'), 'enqueue() returned each job id synchronously inside db.transaction')

  const timeout = sleep(TIMEOUT_MS).then(() => 'timeout')
  const outcome = await Promise.race([listening.then(() => 'done'), timeout])
  listener.close()
  check(outcome === 'done', `every order's "email sent" notification arrived (${sent.size}/${ORDER_COUNT})`)

  // The ack follows each handler's commit on the worker's own connection: give the last one a moment.
  for (let i = 0; i < 100 && db.select().from(honkerLive).all().length > 0; i++) await sleep(20)
  const allOrders = db.select().from(orders).all()
  const allEmails = db.select().from(emails).all()
  check(allOrders.length === ORDER_COUNT && allOrders.every((o) => o.status === 'emailed'), 'every order is emailed')
  check(allEmails.length === ORDER_COUNT, 'exactly one email per order')
  const flaky = allEmails.find((e) => e.to === 'flaky@example.com')
  check(flaky?.attempt === 2, 'the flaky address failed once and was retried by Honker')
  check(db.select().from(honkerLive).all().length === 0, 'the queue is empty (all jobs acked)')
  check(honker.queue(EMAIL_QUEUE).counts().dead === 0, 'no dead jobs')
  const byWorker = new Map()
  for (const e of allEmails) byWorker.set(e.sentBy, (byWorker.get(e.sentBy) ?? 0) + 1)
  say(`   sent by: ${[...byWorker].map(([worker, n]) => `${worker} ${n}`).join(', ')}`)
  const events = honker.stream(ORDER_STREAM).readSince(0, 1000)
  check(events.length === ORDER_COUNT && events.every((e, i) => e.payload.orderId === allOrders[i].id), 'one stream event per committed order, in order')
  const first = db.select().from(orders).where(eq(orders.id, 1)).get()
  check(first?.customer === 'Customer 1', 'the first committed order got id 1 (the declined one left no trace)')

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
  app?.close()
  if (args.keep) say(`\n(database kept at ${file})`)
  else fs.rmSync(dir, { recursive: true, force: true })
}
say(problems.length === 0 ? '\nAll checks passed.' : `\n${problems.length} check(s) failed:\n - ${problems.join('\n - ')}`)
process.exit(problems.length === 0 ? 0 : 1)
