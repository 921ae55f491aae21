// A worker for the one-file test, on the driver named in HONKER_FIXTURE ({ db, queue, driver }):
// any runtime that runs plain ESM (Node 20, Node 24, Bun). Prints JSON lines: ready, handled
// (one per job, with the worker's name), stopped. SIGTERM stops it gracefully.
import { open } from '@honker/core'

const config = JSON.parse(process.env.HONKER_FIXTURE)
const say = (message) => process.stdout.write(JSON.stringify(message) + '\n')
const db = open(config.db, { driver: config.driver })
const controller = new AbortController()
process.on('SIGTERM', () => controller.abort())
const worker = db.queue(config.queue).work(
  (job) => {
    say({ event: 'handled', id: job.id, by: config.driver })
  },
  { concurrency: 4, signal: controller.signal, fallbackPollMs: null },
)
worker.on('job:lost', (job) => say({ event: 'lost', id: job.id }))
say({ event: 'ready', driver: db.executor.connection.driver.name })
await worker.done
say({ event: 'stopped', stats: worker.stats })
db.close()
