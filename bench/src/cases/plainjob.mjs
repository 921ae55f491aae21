/**
 * plainjob (npm) on the same machine and connection settings: a better-sqlite3 queue with its own
 * table, one job per worker iteration, polling when idle.
 */
import Database from 'better-sqlite3'
import { better, defineQueue, defineWorker } from 'plainjob'
import { completion, throughput } from '../lib/measure.mjs'
import { applyPragmas, freshPath } from '../lib/sqlite.mjs'

const silent = { error() {}, warn() {}, info() {}, debug() {} }
const noop = async () => {}

function openQueue(workDir, name) {
  const connection = applyPragmas(new Database(freshPath(workDir, name), { timeout: 5000 }))
  return defineQueue({ connection: better(connection), logger: silent })
}

/** `queue.add(type, data)`: one autocommit insert per job. */
export function enqueue1({ workDir, units }) {
  const queue = openQueue(workDir, 'plainjob-enqueue-1')
  let i = 0
  const result = throughput(() => {
    queue.add('bench', { i: i++ })
    return 1
  }, { units })
  queue.close()
  return result
}

/** `queue.addMany(type, list)`: 100 jobs per transaction. */
export function enqueue100({ workDir, units }) {
  const queue = openQueue(workDir, 'plainjob-enqueue-100')
  let i = 0
  const result = throughput(() => {
    const list = new Array(100)
    for (let k = 0; k < 100; k++) list[k] = { i: i++ }
    queue.addMany('bench', list)
    return 100
  }, { units })
  queue.close()
  return result
}

/** A plainjob worker (one job at a time: it has no concurrency option) draining `jobs` jobs. */
export async function e2e({ workDir, jobs, timeoutMs = 300_000 }) {
  const queue = openQueue(workDir, 'plainjob-e2e')
  queue.addMany('bench', Array.from({ length: jobs }, (_, i) => ({ i })))
  const finished = completion(timeoutMs, `${jobs} plainjob completions`)
  let completed = 0
  let failed = 0
  let endAt = 0
  const settle = () => {
    if (completed + failed === jobs) finished.done()
  }
  const worker = defineWorker('bench', noop, {
    queue,
    logger: silent,
    onCompleted: () => {
      if (++completed === jobs) endAt = performance.now()
      settle()
    },
    onFailed: () => {
      failed++
      settle()
    },
  })
  const start = performance.now()
  const running = worker.start()
  await finished.promise
  await worker.stop()
  await running
  queue.close()
  if (failed > 0) throw new Error(`${failed} plainjob jobs failed`)
  return { value: (jobs * 1000) / (endAt - start), units: jobs, elapsedMs: endAt - start }
}
