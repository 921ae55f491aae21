// The email worker, a process of its own: `node dist/src/worker.js` with DATABASE_URL set (and
// HONKER_ENGINE=postgres for a PostgreSQL URL). It sleeps until a commit wakes it (no polling:
// SQLite's commit watcher, or LISTEN/NOTIFY), sends the email, then marks the row sent and
// announces it on EMAIL_EVENTS in one transaction (app.recordOutcome: Honker's own transaction on
// SQLite, a prisma.$transaction on PostgreSQL; see src/sqlite.ts and src/postgres.ts).
import { EMAIL_QUEUE, type EmailJob } from './app.ts'
import { databaseUrl, engine } from './db.ts'

/** Stand-in for an email API: addresses at bounce.example never accept mail. */
async function deliver(to: string): Promise<void> {
  if (to.endsWith('@bounce.example')) throw new Error(`550 5.1.1 <${to}>: mailbox does not exist`)
}

const app = await engine.openApp(databaseUrl())
const { honker } = app
const controller = new AbortController()

const worker = honker.queue<EmailJob>(EMAIL_QUEUE).work(
  async (job) => {
    const email = await app.email(job.payload.emailId) // read through Prisma
    await deliver(email.to) // a throw retries the job after the backoff, or dead-letters it
    await app.recordOutcome({ emailId: email.id, status: 'sent' }, job.attempts)
  },
  { concurrency: 4, signal: controller.signal, backoff: { baseS: 1 }, fallbackPollMs: null },
)
worker.on('job:dead', (job) => {
  app.recordOutcome({ emailId: job.payload.emailId, status: 'bounced' }, job.attempts).catch((error) => console.error('[worker] could not record a bounce:', error))
})
worker.on('worker:error', (error) => console.error('[worker] recovered from:', error))

let stopping = false
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  controller.abort()
  await worker.stop() // running emails finish; unclaimed jobs stay for the next worker
  await app.close()
  process.send?.({ type: 'stopped', stats: { ...worker.stats } }, () => process.disconnect())
}
process.on('SIGTERM', () => void shutdown())
process.on('SIGINT', () => void shutdown())
process.on('disconnect', () => void shutdown())

// PostgreSQL: wait for the LISTEN connection, so that no commit goes unheard (SQLite has no wakeState).
for (let i = 0; i < 500 && honker.wakeState !== undefined && honker.wakeState !== 'listening'; i++) await new Promise((resolve) => setTimeout(resolve, 10))
process.send?.({ type: 'ready', pid: process.pid })
