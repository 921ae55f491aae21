// One soak worker process: its own pool (an "app server"), `queue.work` at concurrency 8, and a
// line per execution in its log: { id, attempt, worker, exp } where exp is the claim's expiry on
// the server's clock, written when the handler starts. Recovered errors go to the log as
// { error, code } lines. Usage: node worker.mjs <url> <schema> <name> <log> <handler ms, at most>
import { appendFileSync } from 'node:fs'
import pg from 'pg'
import { open } from '@honker/postgres'

const [url, schema, name, log, handlerMs] = process.argv.slice(2)
const pool = new pg.Pool({ connectionString: url, max: 4, application_name: `soak-${name}` })
pool.on('error', () => {})
let db
for (;;) {
  try {
    db = await open({ postgres: pool, schema, migrate: false, wake: { minBackoffMs: 50, maxBackoffMs: 1000 } })
    break
  } catch (error) {
    appendFileSync(log, JSON.stringify({ error: String(error?.message), code: error?.code ?? null, at: 'open' }) + '\n')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
const worker = db.queue('soak', { visibilityTimeoutS: 4, maxAttempts: 1000 }).work(
  async (job) => {
    appendFileSync(log, JSON.stringify({ id: job.id, attempt: job.attempts, worker: name, exp: job.claimExpiresAt }) + '\n')
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Number(handlerMs)))
  },
  { concurrency: 8, fallbackPollMs: 1000 },
)
worker.on('worker:error', (error) => appendFileSync(log, JSON.stringify({ error: String(error?.message), code: error?.code ?? null }) + '\n'))
process.on('SIGTERM', async () => {
  await worker.stop()
  db.close()
  await pool.end()
  process.exit(0)
})
process.send?.('ready')
await worker.done.catch((error) => {
  appendFileSync(log, JSON.stringify({ error: String(error?.message), code: error?.code ?? null, at: 'stopped' }) + '\n')
  process.exit(3)
})
