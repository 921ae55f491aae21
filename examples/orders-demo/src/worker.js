// An email worker process. The demo forks two of these; each claims jobs from the shared
// database file, woken by the other processes' commits (no polling: fallbackPollMs is null).
//
//   node src/worker.js <database file> <worker name> [concurrency]
//
// It reports to its parent over the fork IPC channel and stops gracefully on SIGTERM.
import { EMAIL_QUEUE, openAppDatabase, monotonicMs } from './app-db.js'

const [file, name = `worker-${process.pid}`, concurrencyArg = '8'] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: node src/worker.js <database file> <worker name> [concurrency]')
  process.exit(2)
}

/** @typedef {{ orderId: number, to: string, totalCents: number, kind: string, scenario?: 'flaky' | 'poison' }} EmailPayload */

/** @param {unknown} message */
const report = (message) => process.send?.(message)
const log = (/** @type {string} */ line) => console.log(`  [${name}] ${line}`)

const { sqlite, db } = openAppDatabase(file)
/** @type {import('@honker/core').Queue<EmailPayload>} */
const emails = db.queue(EMAIL_QUEUE)
const markEmailed = sqlite.prepare(
  "UPDATE orders SET status = 'emailed', emails_sent = emails_sent + 1, emailed_by = ? WHERE id = ?",
)
const markFailed = sqlite.prepare("UPDATE orders SET status = 'email_failed' WHERE id = ?")

/** Stand-in for an SMTP / email API call: the demo measures the queue, not a mail server. */
async function deliverEmail(/** @type {EmailPayload} */ _payload) {}

/**
 * The job handler. Returning acks the job; throwing schedules a retry with backoff, or
 * dead-letters the job on its last attempt.
 * @param {import('@honker/core').Job<EmailPayload>} job
 */
async function sendConfirmationEmail(job) {
  const startedAt = monotonicMs()
  const { orderId, to, scenario } = job.payload
  if (scenario === 'poison') throw new Error(`SMTP 550 5.1.1 <${to}>: mailbox does not exist`)
  if (scenario === 'flaky' && job.attempts === 1) throw new Error('SMTP 421 4.7.0 service busy, try again later')
  await deliverEmail(job.payload)
  markEmailed.run(name, orderId)
  return { startedAt }
}

const controller = new AbortController()
const worker = emails.work(sendConfirmationEmail, {
  workerId: `${name}:${process.pid}`,
  concurrency: Number(concurrencyArg),
  signal: controller.signal, // aborted on SIGTERM: stop claiming, finish running jobs
  backoff: { baseS: 1 }, // retry after ~1 s, then ~2 s, ...
  fallbackPollMs: null, // no polling: every wake comes from a commit (or a delayed job's deadline)
})

worker.on('job:completed', (job, result) => {
  const { startedAt } = /** @type {{ startedAt: number }} */ (result)
  const p = job.payload
  report({ type: 'completed', worker: name, orderId: p.orderId, jobId: job.id, kind: p.kind, attempt: job.attempts, startedAt, ackedAt: monotonicMs() })
})
worker.on('job:retried', (job, error, delayS) => {
  report({ type: 'retried', worker: name, orderId: job.payload.orderId, jobId: job.id, attempt: job.attempts, delayS, at: monotonicMs(), error: error instanceof Error ? error.message : String(error) })
})
worker.on('job:dead', (job, error) => {
  markFailed.run(job.payload.orderId)
  report({ type: 'dead', worker: name, orderId: job.payload.orderId, jobId: job.id, attempt: job.attempts, error: error instanceof Error ? error.message : String(error) })
})
worker.on('worker:error', (error) => {
  log(`recovered from: ${String(error)}`)
  report({ type: 'worker-error', worker: name, error: error instanceof Error ? error.message : String(error) })
})
worker.done.catch((error) => {
  log(`worker loop died: ${String(error)}`)
  report({ type: 'fatal', worker: name, error: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
})

let stopping = false
async function shutdown(/** @type {string} */ why) {
  if (stopping) return
  stopping = true
  controller.abort()
  await worker.stop() // lets running handlers finish (up to shutdownTimeoutMs), releases the rest
  const s = worker.stats
  log(`${why}: stopped. claimed ${s.claimed}, completed ${s.completed}, retried ${s.retried}, dead ${s.dead}, lost ${s.lost}, released ${s.released}`)
  db.close()
  sqlite.close()
  if (process.connected) {
    // Exit once the stats message has been flushed to the parent.
    process.send?.({ type: 'stopped', worker: name, stats: { ...s } }, () => process.disconnect())
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('disconnect', () => void shutdown('parent went away'))

report({ type: 'ready', worker: name, pid: process.pid, workerId: worker.id })
