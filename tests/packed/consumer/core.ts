// @honker/core's standalone API as an app uses it.
import {
  HonkerError,
  RetryLaterError,
  open,
  type Database,
  type Job,
  type JobHandler,
  type Notification,
  type StreamEvent,
  type Worker,
  type WorkerStats,
} from '@honker/core'

interface Email {
  to: string
}

const db: Database = open('app.db', { watcher: {} })
const emails = db.queue<Email>('emails', { maxAttempts: 5 })
const id: number = db.transaction((tx) => emails.enqueue({ to: 'a@example.com' }, { tx, priority: 5, delayS: 10 }))

const handler: JobHandler<Email> = async (job: Job<Email>, { signal }) => {
  if (signal.aborted) throw new RetryLaterError(30, 'shutting down')
  const to: string = job.payload.to
  return { sentTo: to, id }
}
const controller = new AbortController()
const worker: Worker<Email> = emails.work(handler, { concurrency: 4, signal: controller.signal })
worker.on('job:dead', (job, error) => console.error(job.id, job.payload.to, error))
const stats: WorkerStats = worker.stats

db.notify('orders', { id: 7 })
const listener = db.listen<{ id: number }>('orders', { signal: controller.signal })
const orders = db.stream<{ id: number }>('orders')
orders.publish({ id: 7 }, { key: 'order-7' })

const lock = db.lock('nightly-report', { ttlS: 60 })
db.scheduler().add({ name: 'nightly', queue: 'emails', schedule: '0 3 * * *', payload: { to: 'ops@example.com' } })

export async function run(): Promise<void> {
  for await (const note of listener) {
    const received: Notification<{ id: number }> = note
    console.log(received.payload.id)
  }
  for await (const event of orders.subscribe({ consumer: 'billing' })) {
    const seen: StreamEvent<{ id: number }> = event
    console.log(seen.offset, seen.payload.id)
  }
  try {
    if (lock.acquire()) lock.release()
    await db.withLock('report', { ttlS: 30 }, async ({ signal }) => signal.aborted)
  } catch (error) {
    if (HonkerError.isInstance(error, 'busy')) console.log(error.code)
  }
  await worker.stop({ timeoutMs: 1000 })
  console.log(stats.completed)
  db.close()
}
