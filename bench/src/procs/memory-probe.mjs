// A process whose resident memory the memory figures read (src/cases/memory.mjs). It loads only
// @honker/core and the bench's IPC helpers, and the case process writes every backlog, so no
// prefill's page cache or garbage is counted here. Config (argv[2], JSON):
//   { file, queue, mode: 'work' | 'listen' | 'replay', settleMs, concurrency?, cacheSizeKiB?, listeners?, topic?, page?, events? }
// work:   park queue.work(noop) on the empty queue -> 'rest' -> on 'expect' { total } wait until
//         `total` jobs have completed in all -> 'drained' -> ... -> on 'stop' exit with 'stopped'.
// listen: 'base' -> `listeners` db.listen(channel), one channel each, every one waiting in next()
//         -> 'parked' -> db.notify on every channel, each listener gets its one -> 'delivered'.
// replay: 'base' -> stream.readSince pages from offset 0 to the end -> 'replayed' { events, elapsedMs }.
// Every sample is taken `settleMs` after the phase ends and after a forced GC (the process runs
// with --expose-gc), so two samples compare retained memory, not where a GC cycle happened to be;
// `peakMb` is the kernel's high-water mark of the whole process (VmHWM), GC or not.
import fs from 'node:fs'
import { open } from '@honker/core'
import { procConfig, reply } from '../lib/ipc.mjs'
import { sleep } from '../lib/measure.mjs'

const MB = 1024 * 1024
const config = procConfig()
const noop = async () => {}
const handlers = {}
process.on('message', (message) => void handlers[message.type]?.(message))
process.on('disconnect', () => process.exit(0))

/** Peak resident set of this process in MB: VmHWM on Linux, else the highest sample seen. */
let sampledPeak = 0
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())
}, 50)
sampler.unref()
function peakMb() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    if (kb !== null) return Number(kb[1]) / 1024
  } catch {}
  return Math.max(sampledPeak, process.memoryUsage.rss()) / MB
}

/** Resident and V8 heap figures after the phase has settled and a forced GC. */
async function sample() {
  await sleep(config.settleMs)
  globalThis.gc?.()
  await sleep(50)
  const m = process.memoryUsage()
  return { rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, heapTotalMb: m.heapTotal / MB, externalMb: m.external / MB, peakMb: peakMb() }
}

const db = open(config.file, config.cacheSizeKiB === undefined ? {} : { cacheSizeKiB: config.cacheSizeKiB })

if (config.mode === 'work') {
  const worker = db.queue(config.queue).work(noop, { concurrency: config.concurrency ?? 1 })
  const errors = []
  worker.on('worker:error', (error) => errors.push(String(error?.message ?? error)))
  let completed = 0
  let target = Infinity
  let reached = null
  worker.on('job:completed', () => {
    if (++completed === target) reached?.()
  })
  handlers.expect = async ({ total }) => {
    const start = performance.now()
    if (completed < total) {
      target = total
      await new Promise((resolve) => (reached = resolve))
    }
    const elapsedMs = performance.now() - start
    await reply({ type: 'drained', completed, elapsedMs, ...(await sample()) })
  }
  handlers.stop = async () => {
    await worker.stop({ timeoutMs: 5000 })
    db.close()
    await reply({ type: 'stopped', errors })
    process.exit(0)
  }
  await reply({ type: 'rest', ...(await sample()) })
} else if (config.mode === 'listen') {
  const base = await sample()
  const listeners = Array.from({ length: config.listeners }, (_, i) => db.listen(`channel-${i}`))
  let delivered = 0
  const all = new Promise((resolve) => {
    for (const listener of listeners) {
      void listener.next().then(({ done }) => {
        if (!done && ++delivered === listeners.length) resolve()
      })
    }
  })
  const parked = await sample()
  for (let i = 0; i < listeners.length; i++) db.notify(`channel-${i}`, { i })
  await all
  const after = await sample()
  for (const listener of listeners) listener.close()
  db.close()
  await reply({ type: 'listened', base, parked, after, delivered })
  process.exit(0)
} else if (config.mode === 'replay') {
  const stream = db.stream(config.topic)
  const base = await sample()
  let offset = 0
  let events = 0
  const start = performance.now()
  for (;;) {
    const page = stream.readSince(offset, config.page)
    if (page.length === 0) break
    // A consumer reads every payload (as the replay figures do).
    for (const event of page) void event.payload
    events += page.length
    offset = page[page.length - 1].offset
  }
  const elapsedMs = performance.now() - start
  const after = await sample()
  db.close()
  await reply({ type: 'replayed', base, after, events, elapsedMs })
  process.exit(0)
} else {
  throw new Error(`unknown mode ${config.mode}`)
}
