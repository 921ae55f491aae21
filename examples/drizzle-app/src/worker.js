// A worker process: claims confirmation-email jobs, "sends" each email by writing the `emails` row
// and marking the order in ONE Drizzle transaction that also notifies the app (app.sendEmail, in
// src/sqlite.js or src/postgres.js). Woken by the commits of other processes, with no fallback
// polling: SQLite's commit watcher, or LISTEN/NOTIFY on PostgreSQL. Talks to its parent over IPC.
//
//   node src/worker.js <database file, or postgres URL with HONKER_ENGINE=postgres> <worker name>
import { EMAIL_QUEUE, openApp } from './db.js'

const [location, name] = process.argv.slice(2)
if (location === undefined || name === undefined) throw new Error('usage: node src/worker.js <database> <worker name>')
const app = await openApp(location)
const { honker } = app
const controller = new AbortController()
const send = (message) => process.send?.({ worker: name, ...message })

const worker = honker.queue(EMAIL_QUEUE).work(
  async (job) => {
    // A flaky mail server: the first attempt for flaky@ addresses fails, and Honker retries it.
    if (job.payload.to.startsWith('flaky@') && job.attempts === 1) throw new Error('mail server timeout')
    await app.sendEmail(job, name)
  },
  { signal: controller.signal, concurrency: 1, fallbackPollMs: null, backoff: { baseS: 1 } },
)
worker.on('job:retried', (job, error, delayS) => send({ type: 'retried', orderId: job.payload.orderId, delayS, error: String(error) }))
worker.on('worker:error', (error) => send({ type: 'worker-error', error: String(error) }))

process.on('message', (message) => {
  if (message === 'stop') controller.abort()
})
process.on('disconnect', () => controller.abort()) // the parent is gone
// PostgreSQL: wait for the LISTEN connection, so that no commit goes unheard (SQLite has no wakeState).
for (let i = 0; i < 500 && honker.wakeState !== undefined && honker.wakeState !== 'listening'; i++) await new Promise((resolve) => setTimeout(resolve, 10))
send({ type: 'ready', pid: process.pid })
await new Promise((resolve) => controller.signal.addEventListener('abort', resolve, { once: true }))
await worker.stop()
await app.close()
process.exit(0)
