// The email worker, a process of its own: `node dist/src/worker.js` with DATABASE_URL set.
// It sleeps until a commit lands on the file (no polling), sends the email, then marks the row
// sent and announces it on EMAIL_EVENTS in one transaction.
//
// Reads go through Prisma; the outcome is written with Honker's own transaction, which is
// synchronous and atomic (the status update and the notification commit together, and nothing
// else in this process can interleave with them). Writing through prisma.$transaction with
// notify(tx, ...) works too: see docs/adapters/prisma.md, "Same-process lock waits".
import { EMAIL_EVENTS, EMAIL_QUEUE, openApp, type EmailEvent, type EmailJob } from './db.ts'

/** Stand-in for an email API: addresses at bounce.example never accept mail. */
async function deliver(to: string): Promise<void> {
  if (to.endsWith('@bounce.example')) throw new Error(`550 5.1.1 <${to}>: mailbox does not exist`)
}

const { prisma, honker, close } = openApp()
const controller = new AbortController()

/** Set the email's outcome and announce it, atomically. */
function record(event: EmailEvent, attempts: number): void {
  honker.transaction((tx) => {
    tx.run('UPDATE emails SET status = ?, attempts = ?, sent_at = ? WHERE id = ?', [
      event.status,
      attempts,
      event.status === 'sent' ? Math.floor(Date.now() / 1000) : null,
      event.emailId,
    ])
    honker.notify(EMAIL_EVENTS, event, { tx })
  })
}

const worker = honker.queue<EmailJob>(EMAIL_QUEUE).work(
  async (job) => {
    const email = await prisma.email.findUniqueOrThrow({ where: { id: job.payload.emailId } })
    await deliver(email.to) // a throw retries the job after the backoff, or dead-letters it
    record({ emailId: email.id, status: 'sent' }, job.attempts)
  },
  { concurrency: 4, signal: controller.signal, backoff: { baseS: 1 }, fallbackPollMs: null },
)
worker.on('job:dead', (job) => record({ emailId: job.payload.emailId, status: 'bounced' }, job.attempts))
worker.on('worker:error', (error) => console.error('[worker] recovered from:', error))

let stopping = false
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  controller.abort()
  await worker.stop() // running emails finish; unclaimed jobs stay for the next worker
  await close()
  process.send?.({ type: 'stopped', stats: { ...worker.stats } }, () => process.disconnect())
}
process.on('SIGTERM', () => void shutdown())
process.on('SIGINT', () => void shutdown())
process.on('disconnect', () => void shutdown())

process.send?.({ type: 'ready', pid: process.pid })
