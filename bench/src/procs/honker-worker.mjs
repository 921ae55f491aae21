// A Honker worker process for the multi-process figures. Config (argv[2], JSON):
//   { file, queue, mode: 'e2e' | 'wake' | 'idle', concurrency?, watcher?, seconds?, settleMs? }
// e2e:  'ready' -> on 'go' run queue.work(noop) and send 'progress' { completed, lastAt } every
//       20 ms while it changes -> on 'stop' stop and send 'stopped' with the final count.
// wake: park queue.work(handler) where the handler's first act is to take monotonicMs(); send
//       'ready' once parked -> on 'collect' send 'samples' [[i, at], ...] -> on 'stop' exit.
// idle: park queue.work(noop) with nothing to do, let it settle, measure process.cpuUsage() over
//       `seconds`, send 'idle' { cpuMsPerS } and exit.
import { open } from '@honker/core'
import { procConfig, reply } from '../lib/ipc.mjs'
import { sleep } from '../lib/measure.mjs'
import { monotonicMs } from '../lib/clock.mjs'

const config = procConfig()
const db = open(config.file, config.watcher ? { watcher: config.watcher } : {})
const queue = db.queue(config.queue)
const noop = async () => {}
const errors = []
const handlers = {}
process.on('message', (message) => void handlers[message.type]?.(message))
process.on('disconnect', () => process.exit(0))

/**
 * Let start-up finish, collect its garbage (the process runs with --expose-gc), then wait out
 * V8's memory reducer, which runs one more full GC about 8 s after a major GC. Either GC inside
 * the window is a one-off 10-25 ms that would read as 1-2.5 ms/s of idle cost.
 */
async function settleForIdle(ms) {
  await sleep(1000)
  globalThis.gc?.()
  await sleep(ms)
}

async function finish(worker) {
  await worker.stop({ timeoutMs: 5000 })
  db.close()
}

if (config.mode === 'e2e') {
  let worker = null
  let completed = 0
  let lastAt = 0
  let reported = -1
  let timer = null
  const report = () => {
    if (completed === reported) return
    reported = completed
    process.send({ type: 'progress', completed, lastAt, errors: errors.length })
  }
  handlers.go = () => {
    worker = queue.work(noop, { concurrency: config.concurrency ?? 1 })
    worker.on('job:completed', () => {
      completed++
      lastAt = monotonicMs()
    })
    worker.on('worker:error', (error) => errors.push(String(error?.message ?? error)))
    timer = setInterval(report, 20)
  }
  handlers.stop = async () => {
    clearInterval(timer)
    if (worker !== null) await finish(worker)
    else db.close()
    await reply({ type: 'stopped', completed, lastAt, errors })
    process.exit(0)
  }
  await reply({ type: 'ready' })
} else if (config.mode === 'wake') {
  const samples = []
  const worker = queue.work((job) => {
    const at = monotonicMs()
    samples.push([job.payload.i, at])
  })
  worker.on('worker:error', (error) => errors.push(String(error?.message ?? error)))
  handlers.collect = () => process.send({ type: 'samples', samples, errors })
  handlers.stop = async () => {
    await finish(worker)
    await reply({ type: 'stopped' })
    process.exit(0)
  }
  // Let the worker make its first (empty) claim and park before the producer starts.
  await sleep(config.settleMs ?? 300)
  await reply({ type: 'ready' })
} else if (config.mode === 'idle') {
  const worker = queue.work(noop)
  await settleForIdle(config.settleMs ?? 10_000)
  const before = process.cpuUsage()
  const startedAt = performance.now()
  await sleep(config.seconds * 1000)
  const used = process.cpuUsage(before)
  const elapsedS = (performance.now() - startedAt) / 1000
  const cpuMsPerS = (used.user + used.system) / 1000 / elapsedS
  await finish(worker)
  await reply({ type: 'idle', cpuMsPerS, elapsedS, userMs: used.user / 1000, systemMs: used.system / 1000, errors })
  process.exit(0)
} else {
  throw new Error(`unknown mode ${config.mode}`)
}
