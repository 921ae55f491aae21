/**
 * BullMQ on a local Redis started by the harness (`redisPort`): no persistence (--save '',
 * --appendonly no), flushed before every run. Jobs are removed on completion, like an acked
 * Honker job.
 */
import { Queue, Worker } from 'bullmq'
import IORedis from 'ioredis'
import { completion, throughputAsync } from '../lib/measure.mjs'
import { skip } from '../lib/skip.mjs'

const noop = async () => {}
const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true }

async function connect(redisPort) {
  if (redisPort === undefined) skip('no Redis server (see the harness log)')
  const options = { host: '127.0.0.1', port: redisPort, maxRetriesPerRequest: null }
  const admin = new IORedis(options)
  await admin.flushall()
  return { options, admin }
}

/** `await queue.add(name, data)` one job at a time. */
export async function enqueue1({ units, redisPort }) {
  const { options, admin } = await connect(redisPort)
  const queue = new Queue('bench', { connection: options })
  let i = 0
  const result = await throughputAsync(async () => {
    await queue.add('job', { i: i++ }, JOB_OPTIONS)
    return 1
  }, { units })
  await queue.close()
  await admin.quit()
  return result
}

/** `await queue.addBulk(list)` of 100 jobs (one MULTI). */
export async function enqueue100({ units, redisPort }) {
  const { options, admin } = await connect(redisPort)
  const queue = new Queue('bench', { connection: options })
  let i = 0
  const result = await throughputAsync(async () => {
    const list = new Array(100)
    for (let k = 0; k < 100; k++) list[k] = { name: 'job', data: { i: i++ }, opts: JOB_OPTIONS }
    await queue.addBulk(list)
    return 100
  }, { units })
  await queue.close()
  await admin.quit()
  return result
}

/** A BullMQ Worker with `concurrency` draining `jobs` jobs. */
export async function e2e({ jobs, concurrency, redisPort, timeoutMs = 300_000 }) {
  const { options, admin } = await connect(redisPort)
  const queue = new Queue('bench', { connection: options })
  for (let i = 0; i < jobs; i += 1000) {
    const list = []
    for (let k = i; k < Math.min(jobs, i + 1000); k++) list.push({ name: 'job', data: { i: k }, opts: JOB_OPTIONS })
    await queue.addBulk(list)
  }
  const finished = completion(timeoutMs, `${jobs} BullMQ completions`)
  let completed = 0
  let failed = 0
  let endAt = 0
  const settle = () => {
    if (completed + failed === jobs) finished.done()
  }
  const start = performance.now()
  const worker = new Worker('bench', noop, { connection: options, concurrency })
  worker.on('completed', () => {
    if (++completed === jobs) endAt = performance.now()
    settle()
  })
  worker.on('failed', () => {
    failed++
    settle()
  })
  await finished.promise
  await worker.close()
  await queue.close()
  await admin.quit()
  if (failed > 0) throw new Error(`${failed} BullMQ jobs failed`)
  return { value: (jobs * 1000) / (endAt - start), units: jobs, elapsedMs: endAt - start }
}
