// A worker process: claims confirmation-email jobs, "sends" each email by writing the `emails` row
// and marking the order in ONE Drizzle transaction that also notifies the app. Woken by the
// commits of other processes (no fallback polling). Talks to its parent over IPC.
//
//   node src/worker.js <database file> <worker name>
import { eq } from 'drizzle-orm'
import { notify } from '@honker/drizzle'
import { EMAIL_QUEUE, EMAIL_SENT_CHANNEL, openApp } from './db.js'
import { emails, orders } from './schema.js'

const [file, name] = process.argv.slice(2)
if (file === undefined || name === undefined) throw new Error('usage: node src/worker.js <database file> <worker name>')
const { db, honker, close } = openApp(file)
const controller = new AbortController()
const send = (message) => process.send?.({ worker: name, ...message })

const worker = honker.queue(EMAIL_QUEUE).work(
  (job) => {
    // A flaky mail server: the first attempt for flaky@ addresses fails, and Honker retries it.
    if (job.payload.to.startsWith('flaky@') && job.attempts === 1) throw new Error('mail server timeout')
    // better-sqlite3: a synchronous callback. 'immediate' takes the write lock up front, so a
    // transaction started while another process writes waits (busy_timeout) instead of failing.
    db.transaction(
      (tx) => {
        const order = tx.select().from(orders).where(eq(orders.id, job.payload.orderId)).get()
        if (order === undefined) throw new Error(`order ${job.payload.orderId} not found`)
        // At-least-once delivery: a job may run again after a crash, the unique order_id keeps one email.
        tx.insert(emails)
          .values({ orderId: order.id, to: job.payload.to, subject: `Order #${order.id} confirmed`, sentBy: name, attempt: job.attempts })
          .onConflictDoNothing()
          .run()
        tx.update(orders).set({ status: 'emailed' }).where(eq(orders.id, order.id)).run()
        notify(tx, EMAIL_SENT_CHANNEL, { orderId: order.id, worker: name, attempt: job.attempts })
      },
      { behavior: 'immediate' },
    )
  },
  { signal: controller.signal, concurrency: 1, fallbackPollMs: null, backoff: { baseS: 1 } },
)
worker.on('job:retried', (job, error, delayS) => send({ type: 'retried', orderId: job.payload.orderId, delayS, error: String(error) }))
worker.on('worker:error', (error) => send({ type: 'worker-error', error: String(error) }))

process.on('message', (message) => {
  if (message === 'stop') controller.abort()
})
send({ type: 'ready', pid: process.pid })
await new Promise((resolve) => controller.signal.addEventListener('abort', resolve, { once: true }))
await worker.stop()
close()
process.exit(0)
