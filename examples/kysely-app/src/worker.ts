// The email worker, in its own process: `node dist/worker.js <database> [concurrency]`, where
// <database> is the SQLite file or, with HONKER_ENGINE=postgres, the PostgreSQL URL.
// It claims jobs through Honker (createHonker: its own connection to the file, or @honker/postgres
// on this process's pool), writes the app's rows through Kysely, and is woken by other processes'
// commits (no polling: SQLite's commit watcher, or LISTEN/NOTIFY). It reports to its parent over
// the fork IPC channel and stops gracefully on SIGTERM.
import { listening, openDatabase } from './db.js'
import { EMAIL_QUEUE, type EmailJob } from './schema.js'

const [location, concurrency = '1'] = process.argv.slice(2)
if (location === undefined) {
  console.error('usage: node dist/worker.js <database file or postgres URL> [concurrency]')
  process.exit(2)
}

const workerId = `email-worker:${process.pid}`
const report = (message: Record<string, unknown>): void => void process.send?.(message)

const app = openDatabase(location)
const { db } = app
const honker = await app.honker()

/** Stand-in for an email API call: the example checks the flow, not a mail server. */
async function deliverEmail(_to: string, _subject: string): Promise<void> {}

const controller = new AbortController()
const worker = honker.queue<EmailJob>(EMAIL_QUEUE).work(
  async (job) => {
    const { orderId, to } = job.payload
    const subject = `Order #${orderId} confirmed`
    await deliverEmail(to, subject)
    // At-least-once delivery: a job can run again (a crash before its ack), so the write is
    // idempotent. Only database work inside the transaction, and the write first.
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('emails')
        .values({ order_id: orderId, recipient: to, subject, sent_by: workerId })
        .onConflict((conflict) => conflict.column('order_id').doNothing())
        .execute()
      await trx.updateTable('orders').set({ status: 'emailed' }).where('id', '=', orderId).execute()
    })
  },
  {
    workerId,
    // One job at a time: a handler's Kysely write transaction then never overlaps Honker's own
    // writes (claim, ack) in this process; see docs/adapters/kysely.md.
    concurrency: Number(concurrency),
    signal: controller.signal,
    fallbackPollMs: null, // every wake comes from a commit
  },
)
worker.on('job:completed', (job) => report({ type: 'completed', jobId: job.id, orderId: job.payload.orderId }))
worker.on('worker:error', (error) => report({ type: 'error', message: String(error) }))

process.on('SIGTERM', () => controller.abort())
const stopWithParent = (): void => controller.abort() // the parent is gone
process.on('disconnect', stopWithParent) // (a 'disconnect' listener keeps the IPC channel, and this process, alive)
await listening(honker) // PostgreSQL: the LISTEN connection is up, so no commit goes unheard
report({ type: 'ready', pid: process.pid })
await new Promise((resolve) => controller.signal.addEventListener('abort', resolve, { once: true }))
await worker.stop()
report({ type: 'stopped', stats: { ...worker.stats } })
process.off('disconnect', stopWithParent)
await app.close()
