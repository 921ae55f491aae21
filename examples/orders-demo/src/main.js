// orders-demo: an orders app on @honker/core.
//
// Each order writes its row and enqueues its confirmation-email job in ONE SQLite transaction.
// Two worker processes (src/worker.js) claim the jobs, woken across processes by the commits.
//
//   node src/main.js            full run (200 latency samples, 5,000-order burst)
//   node src/main.js --quick    small run for CI (50 samples, 1,000 orders); exits 1 on any problem
//   options: --latency N  --burst N  --concurrency N  --keep (keep the database file)
import { fork } from 'node:child_process'
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { EMAIL_QUEUE, createSchema, openAppDatabase, monotonicMs } from './app-db.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    latency: { type: 'string' },
    burst: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
  },
})
const LATENCY_ORDERS = Number(args.latency ?? (args.quick ? 50 : 200))
const BURST_ORDERS = Number(args.burst ?? (args.quick ? 1_000 : 5_000))
const ORDERS_PER_TX = 100
const WORKER_CONCURRENCY = Number(args.concurrency)
const WORKER_NAMES = ['worker-1', 'worker-2']
const WORKER_SCRIPT = fileURLToPath(new URL('./worker.js', import.meta.url))

const demoStart = performance.now()
const problems = /** @type {string[]} */ ([])

// ---------------------------------------------------------------------------------------------
// Output helpers

const say = (/** @type {string} */ line = '') => console.log(line)
const step = (/** @type {string} */ title) => say(`\n== ${title}`)
const ms = (/** @type {number} */ value) => `${value.toFixed(2)} ms`
const int = (/** @type {number} */ value) => value.toLocaleString('en-US')
const dollars = (/** @type {number} */ cents) => `$${(cents / 100).toFixed(2)}`
const sleep = (/** @type {number} */ milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds))

/** Record a check; failed checks make the demo exit 1. */
function check(/** @type {boolean} */ ok, /** @type {string} */ what) {
  say(`   ${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) problems.push(what)
}

/** Nearest-rank percentile of an ascending array. */
function percentile(/** @type {number[]} */ sorted, /** @type {number} */ p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

// ---------------------------------------------------------------------------------------------
// What the workers tell us

/**
 * @typedef {{ type: 'completed', worker: string, orderId: number, jobId: number, kind: string, attempt: number, startedAt: number, ackedAt: number }} Completed
 * @typedef {{ type: 'retried', worker: string, orderId: number, jobId: number, attempt: number, delayS: number, at: number, error: string }} Retried
 * @typedef {{ type: 'dead', worker: string, orderId: number, jobId: number, attempt: number, error: string }} Dead
 * @typedef {{ name: string, child: import('node:child_process').ChildProcess, ready: boolean, pid?: number,
 *   stats?: Record<string, number>, exit?: { code: number | null, signal: string | null } }} WorkerProc
 */
const updates = new EventEmitter()
/** @type {Map<number, Completed[]>} order id -> completions (must end at exactly one each) */
const completions = new Map()
/** @type {Retried[]} */
const retries = []
/** @type {Dead[]} */
const deaths = []
/** @type {string[]} */
const workerErrors = []
/** @type {Error | null} */
let fatal = null

/** @param {WorkerProc} proc @param {any} message */
function onWorkerMessage(proc, message) {
  switch (message.type) {
    case 'ready':
      proc.ready = true
      proc.pid = message.pid
      break
    case 'completed': {
      const list = completions.get(message.orderId) ?? []
      list.push(message)
      completions.set(message.orderId, list)
      break
    }
    case 'retried':
      retries.push(message)
      break
    case 'dead':
      deaths.push(message)
      break
    case 'worker-error':
      workerErrors.push(`${message.worker}: ${message.error}`)
      break
    case 'fatal':
      fatal = new Error(`${message.worker} died: ${message.error}`)
      break
    case 'stopped':
      proc.stats = message.stats
      break
  }
  updates.emit('update')
}

/** Resolve once `predicate()` holds, re-checking on every worker message. */
function waitFor(/** @type {() => boolean} */ predicate, /** @type {string} */ what, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
    const test = () => {
      if (fatal !== null) done(fatal)
      else if (predicate()) done(null)
    }
    const done = (/** @type {Error | null} */ error) => {
      clearTimeout(timer)
      updates.off('update', test)
      if (error === null) resolve(undefined)
      else reject(error)
    }
    updates.on('update', test)
    test()
  })
}

// ---------------------------------------------------------------------------------------------
// The app

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orders-demo-'))
const dbFile = path.join(tmpDir, 'orders.db')
/** @type {WorkerProc[]} */
const workers = []
let nextCustomer = 1

const { sqlite, db } = openAppDatabase(dbFile)
/** @type {import('@honker/core').Queue<import('./worker.js').EmailPayload | any>} */
const emails = db.queue(EMAIL_QUEUE)

/**
 * Place an order: its row and its confirmation-email job in one transaction.
 * @param {{ kind: string, scenario?: 'flaky' | 'poison', maxAttempts?: number, failAfterEnqueue?: string }} options
 */
function placeOrder({ kind, scenario, maxAttempts, failAfterEnqueue }) {
  const n = nextCustomer++
  const customer = `customer-${n}`
  const email = `${customer}@example.com`
  const totalCents = 500 + ((n * 7919) % 20_000)
  /** @type {{ orderId: number, jobId: number }} */
  const placed = { orderId: 0, jobId: 0 }
  db.transaction((tx) => {
    const { lastInsertRowid } = tx.run('INSERT INTO orders (customer, email, total_cents) VALUES (?, ?, ?)', [customer, email, totalCents])
    placed.orderId = Number(lastInsertRowid)
    placed.jobId = emails.enqueue({ orderId: placed.orderId, to: email, totalCents, kind, scenario }, { tx, maxAttempts })
    if (failAfterEnqueue !== undefined) throw new Error(failAfterEnqueue)
  })
  const committedAt = monotonicMs()
  return { ...placed, customer, email, totalCents, committedAt }
}

/** Place `count` orders, `perTx` to a transaction (order row + job for each). */
function placeOrdersInBatches(/** @type {number} */ count, /** @type {number} */ perTx, /** @type {string} */ kind) {
  /** @type {number[]} */
  const orderIds = []
  for (let start = 0; start < count; start += perTx) {
    db.transaction((tx) => {
      for (let i = start; i < Math.min(count, start + perTx); i++) {
        const n = nextCustomer++
        const email = `customer-${n}@example.com`
        const totalCents = 500 + ((n * 7919) % 20_000)
        const { lastInsertRowid } = tx.run('INSERT INTO orders (customer, email, total_cents) VALUES (?, ?, ?)', [`customer-${n}`, email, totalCents])
        const orderId = Number(lastInsertRowid)
        emails.enqueue({ orderId, to: email, totalCents, kind }, { tx })
        orderIds.push(orderId)
      }
    })
  }
  return orderIds
}

const orderCount = () => /** @type {{ n: number }} */ (sqlite.prepare('SELECT count(*) AS n FROM orders').get()).n
const orderRow = (/** @type {number} */ id) =>
  /** @type {{ id: number, status: string, emails_sent: number, emailed_by: string | null } | undefined} */ (
    sqlite.prepare('SELECT id, status, emails_sent, emailed_by FROM orders WHERE id = ?').get(id)
  )

function startWorker(/** @type {string} */ name) {
  const child = fork(WORKER_SCRIPT, [dbFile, name, String(WORKER_CONCURRENCY)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  /** @type {WorkerProc} */
  const proc = { name, child, ready: false }
  child.on('message', (message) => onWorkerMessage(proc, message))
  child.on('exit', (code, signal) => {
    proc.exit = { code, signal }
    if ((code !== 0 || signal !== null) && fatal === null) fatal = new Error(`${name} exited with ${signal ?? `code ${code}`}`)
    updates.emit('update')
  })
  workers.push(proc)
  return proc
}

/** Completed reports for these orders, grouped by worker name. */
function splitByWorker(/** @type {Iterable<number>} */ orderIds) {
  /** @type {Record<string, number>} */
  const split = Object.fromEntries(WORKER_NAMES.map((name) => [name, 0]))
  for (const id of orderIds) for (const c of completions.get(id) ?? []) split[c.worker] = (split[c.worker] ?? 0) + 1
  return Object.entries(split)
    .map(([name, count]) => `${name} ${int(count)}`)
    .join(', ')
}

async function main() {
  say('Honker orders demo: order row + confirmation-email job in one SQLite transaction,')
  say(`two worker processes woken across processes by commits${args.quick ? ' (quick mode)' : ''}.`)

  // 1. ------------------------------------------------------------------------------------------
  step('1. Database')
  createSchema(sqlite)
  say(`   Created ${dbFile}`)
  say(`   with the app's "orders" table and Honker's queue tables (queue "${emails.name}").`)

  // 2. ------------------------------------------------------------------------------------------
  step('2. Atomicity: a failed checkout leaves no order and no email job')
  /** @type {number | undefined} */
  let declinedJobId
  let declinedError = ''
  try {
    db.transaction((tx) => {
      tx.run('INSERT INTO orders (customer, email, total_cents) VALUES (?, ?, ?)', ['mallory', 'mallory@example.com', 99_999])
      declinedJobId = emails.enqueue({ orderId: -1, to: 'mallory@example.com', totalCents: 99_999, kind: 'declined' }, { tx })
      say(`   Inside the transaction: inserted mallory's order and enqueued email job #${declinedJobId}...`)
      throw new Error('card declined')
    })
  } catch (error) {
    declinedError = error instanceof Error ? error.message : String(error)
  }
  say(`   ...then the payment step threw "${declinedError}" and the transaction rolled back.`)
  const counts0 = emails.counts()
  check(declinedError === 'card declined', 'the error reached the caller')
  check(orderCount() === 0, `orders table is empty (rows: ${orderCount()})`)
  check(declinedJobId !== undefined && emails.getJob(declinedJobId) === null, `email job #${declinedJobId} does not exist`)
  check(counts0.pending + counts0.delayed + counts0.processing + counts0.dead === 0, 'the email queue is empty')

  // 3. ------------------------------------------------------------------------------------------
  step(`3. Starting ${WORKER_NAMES.length} worker processes (concurrency ${WORKER_CONCURRENCY} each, fallbackPollMs: null)`)
  const t0 = performance.now()
  for (const name of WORKER_NAMES) startWorker(name)
  await waitFor(() => workers.every((w) => w.ready), 'the workers to be ready', 15_000)
  for (const w of workers) say(`   ${w.name} is ready (pid ${w.pid})`)
  say(`   both ready after ${ms(performance.now() - t0)}; they sleep until a commit lands on the file.`)

  // 4. ------------------------------------------------------------------------------------------
  step(`4. Wake latency: ${LATENCY_ORDERS} orders, one transaction each, 2-10 ms apart`)
  /** @type {Map<number, number>} order id -> commit time in this process */
  const committedAt = new Map()
  for (let i = 0; i < LATENCY_ORDERS; i++) {
    const order = placeOrder({ kind: 'latency' })
    committedAt.set(order.orderId, order.committedAt)
    if (i === 0) say(`   first: order #${order.orderId} for ${order.email} (${dollars(order.totalCents)}) + email job #${order.jobId}, committed together`)
    await sleep(2 + Math.random() * 8)
  }
  await waitFor(() => [...committedAt.keys()].every((id) => completions.has(id)), 'the latency orders to be emailed')
  const latencies = [...committedAt]
    .map(([id, at]) => /** @type {Completed[]} */ (completions.get(id))[0].startedAt - at)
    .sort((a, b) => a - b)
  say(`   commit in this process -> handler start in a worker process, ${latencies.length} samples:`)
  say(
    `   p50 ${ms(percentile(latencies, 50))}   p90 ${ms(percentile(latencies, 90))}   p99 ${ms(percentile(latencies, 99))}   max ${ms(latencies[latencies.length - 1])}`,
  )
  say(`   handled by: ${splitByWorker(committedAt.keys())}`)

  // 5. ------------------------------------------------------------------------------------------
  step(`5. Throughput: a burst of ${int(BURST_ORDERS)} orders (${ORDERS_PER_TX} orders per transaction)`)
  const burstStart = monotonicMs()
  const burstIds = placeOrdersInBatches(BURST_ORDERS, ORDERS_PER_TX, 'burst')
  const enqueuedIn = monotonicMs() - burstStart
  say(`   enqueued ${int(burstIds.length)} orders + jobs in ${ms(enqueuedIn)} (${int(Math.round(burstIds.length / (enqueuedIn / 1000)))} orders/s)`)
  await waitFor(() => burstIds.every((id) => completions.has(id)), 'the burst to be emailed', 45_000)
  const lastAck = Math.max(...burstIds.map((id) => /** @type {Completed[]} */ (completions.get(id))[0].ackedAt))
  const burstMs = lastAck - burstStart
  say(`   all ${int(burstIds.length)} emailed and acked ${ms(burstMs)} after the first commit: ${int(Math.round(burstIds.length / (burstMs / 1000)))} jobs/s`)
  say(`   handled by: ${splitByWorker(burstIds)}`)
  say('   (the email "send" is a stub, so this measures the queue: claim, handler, UPDATE orders, ack)')

  // 6. ------------------------------------------------------------------------------------------
  step('6. Failures: a retry with backoff, and a dead letter')
  const flaky = placeOrder({ kind: 'flaky', scenario: 'flaky' })
  const poison = placeOrder({ kind: 'poison', scenario: 'poison', maxAttempts: 2 })
  say(`   order #${flaky.orderId}: its mail server fails the first attempt (email job #${flaky.jobId})`)
  say(`   order #${poison.orderId}: its mailbox does not exist, every attempt fails (email job #${poison.jobId}, maxAttempts: 2)`)
  await waitFor(
    () => completions.has(flaky.orderId) && deaths.some((d) => d.orderId === poison.orderId),
    'the retry and the dead letter',
    15_000,
  )
  for (const r of retries) {
    say(`   attempt ${r.attempt} of order #${r.orderId} failed on ${r.worker}: ${r.error} -> retry in ${r.delayS} s`)
  }
  const flakyDone = /** @type {Completed[]} */ (completions.get(flaky.orderId))[0]
  const death = /** @type {Dead} */ (deaths.find((d) => d.orderId === poison.orderId))
  const flakyRetry = retries.find((r) => r.orderId === flaky.orderId)
  if (flakyRetry !== undefined) {
    say(`   attempt ${flakyDone.attempt} of order #${flaky.orderId} started on ${flakyDone.worker} ${ms(flakyDone.startedAt - flakyRetry.at)} after attempt 1 failed, and succeeded`)
    say(`   (no polling: the worker slept until the retry's run_at; queue times are whole unix seconds,`)
    say(`    so a 1 s backoff means "from the next second boundary on")`)
  }
  say(`   attempt ${death.attempt} of order #${poison.orderId} failed on ${death.worker}: it was the last one, the job is dead-lettered`)
  const flakyJob = emails.getJob(flaky.jobId)
  const deadJob = emails.getJob(poison.jobId)
  say(`   emails.getJob(${poison.jobId}) -> ${JSON.stringify(deadJob && { state: deadJob.state, attempts: deadJob.attempts, lastError: deadJob.lastError })}`)
  check(flakyDone.attempt === 2 && flakyJob === null, `order #${flaky.orderId}: emailed on attempt 2, job acked (gone)`)
  check(retries.some((r) => r.orderId === flaky.orderId && r.attempt === 1), `order #${flaky.orderId}: attempt 1 was retried`)
  check(
    deadJob !== null && deadJob.state === 'dead' && deadJob.attempts === 2 && (deadJob.lastError ?? '').includes('mailbox does not exist'),
    `order #${poison.orderId}: job is in _honker_dead after 2 attempts with its error text`,
  )
  check(orderRow(poison.orderId)?.status === 'email_failed', `order #${poison.orderId}: status is email_failed`)
  check(!completions.has(poison.orderId), `order #${poison.orderId}: never reported as sent`)

  // 7. ------------------------------------------------------------------------------------------
  step('7. Stopping the workers (SIGTERM -> abort -> worker.stop() -> db.close())')
  const exited = Promise.all(workers.map((w) => new Promise((resolve) => (w.exit ? resolve(undefined) : w.child.once('exit', resolve)))))
  for (const w of workers) w.child.kill('SIGTERM')
  await waitFor(() => workers.every((w) => w.exit !== undefined), 'the workers to exit', 15_000)
  await exited
  for (const w of workers) check(w.exit?.code === 0 && w.stats !== undefined, `${w.name} reported its stats and exited with code ${w.exit?.code}`)

  // Summary --------------------------------------------------------------------------------------
  step('Summary')
  const byStatus = /** @type {{ status: string, n: number }[]} */ (sqlite.prepare('SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status').all())
  const allOrders = LATENCY_ORDERS + BURST_ORDERS + 2
  say(`   orders: ${byStatus.map((r) => `${int(r.n)} ${r.status}`).join(', ')}`)
  const wrongCount = /** @type {{ n: number }} */ (
    sqlite.prepare("SELECT count(*) AS n FROM orders WHERE (status = 'emailed') != (emails_sent = 1) OR emails_sent > 1").get()
  ).n
  const emailed = /** @type {{ n: number }} */ (sqlite.prepare("SELECT count(*) AS n FROM orders WHERE status = 'emailed' AND emails_sent = 1").get()).n
  const duplicates = [...completions.values()].filter((list) => list.length > 1).length
  const counts = emails.counts()
  say(`   email queue: ${counts.pending} pending, ${counts.delayed} delayed, ${counts.processing} processing, ${counts.dead} dead`)
  const total = { claimed: 0, completed: 0, retried: 0, dead: 0, lost: 0, released: 0 }
  for (const w of workers) {
    const s = /** @type {typeof total} */ (w.stats ?? {})
    for (const key of /** @type {(keyof typeof total)[]} */ (Object.keys(total))) total[key] += s[key] ?? 0
    say(`   ${w.name}: completed ${int(s.completed ?? 0)}, retried ${s.retried ?? 0}, dead ${s.dead ?? 0}, lost ${s.lost ?? 0}, released ${s.released ?? 0}`)
  }
  check(orderCount() === allOrders, `${int(allOrders)} orders exist (the declined one does not)`)
  check(emailed === allOrders - 1 && wrongCount === 0, `every order but the dead-lettered one was emailed exactly once (${int(emailed)})`)
  check(duplicates === 0 && completions.size === allOrders - 1, 'no job was handled twice')
  check(counts.pending + counts.delayed + counts.processing === 0 && counts.dead === 1, 'the queue is drained; one dead job')
  check(
    total.completed === allOrders - 1 && total.retried === 2 && total.dead === 1 && total.lost === 0 && total.released === 0,
    `worker stats add up: ${int(total.completed)} completed, ${total.retried} retried, ${total.dead} dead, ${total.lost} lost`,
  )
  check(workerErrors.length === 0, `no worker errors${workerErrors.length ? `: ${workerErrors.join('; ')}` : ''}`)
  if (workers.some((w) => (w.stats?.completed ?? 0) === 0)) say('   note: one worker handled no jobs this run')
}

let exitCode = 0
const watchdog = setTimeout(() => {
  console.error('\norders-demo: timed out after 120 s')
  for (const w of workers) if (w.exit === undefined) w.child.kill('SIGKILL')
  process.exit(1)
}, 120_000)
watchdog.unref()

try {
  await main()
} catch (error) {
  console.error(`\norders-demo failed: ${error instanceof Error ? error.stack : String(error)}`)
  exitCode = 1
} finally {
  for (const w of workers) if (w.exit === undefined) w.child.kill('SIGKILL')
  db.close()
  sqlite.close()
  if (args.keep) say(`\n   kept the database: ${dbFile}`)
  else fs.rmSync(tmpDir, { recursive: true, force: true })
}
if (problems.length > 0) {
  console.error(`\n${problems.length} check(s) failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  exitCode = 1
}
if (exitCode === 0) say(`\nAll checks passed in ${((performance.now() - demoStart) / 1000).toFixed(1)} s.`)
process.exitCode = exitCode
