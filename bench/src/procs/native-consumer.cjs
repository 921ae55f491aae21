// A honker native (0.5.1) consumer process. Config (argv[2], JSON):
//   { file, queue, mode: 'wake' | 'idle', seconds?, settleMs?, batch? }
// wake: loop honker_claim_batch -> take CLOCK_MONOTONIC per job -> honker_ack_batch; when nothing
//       is claimable, await updateEvents().next(). 'ready' once parked; 'collect' -> 'samples'.
// idle: one updateEvents().next() pending and nothing else; process.cpuUsage() over `seconds`.
'use strict'
const { loadNative, inTx, waker } = require('../lib/native.cjs')

const config = JSON.parse(process.argv[2])

// lib/clock.mjs's monotonicMs (an ES module, so not required here): Node's hrtime is CLOCK_MONOTONIC.
function monotonicMs() {
  const [seconds, nanos] = process.hrtime()
  return seconds * 1e3 + nanos / 1e6
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const loaded = loadNative()
if (loaded.honker === undefined) {
  process.send({ type: 'unavailable', reason: loaded.reason }, () => process.exit(0))
} else {
  main(loaded.honker).catch((error) => {
    process.send({ type: 'failed', error: String(error && error.stack ? error.stack : error) }, () => process.exit(1))
  })
}

async function main(honker) {
  const db = honker.open(config.file)
  const events = db.updateEvents()
  const wait = waker(events)
  let stopping = false
  const handlers = {}
  process.on('message', (message) => void handlers[message.type]?.(message))
  process.on('disconnect', () => process.exit(0))
  const close = () => {
    stopping = true
    try {
      events.close()
      db.close()
    } catch {}
  }

  if (config.mode === 'idle') {
    wait().catch(() => {})
    // As in honker-worker.mjs: start-up garbage and the memory reducer's GC land before the window.
    await sleep(1000)
    globalThis.gc?.()
    await sleep(config.settleMs ?? 10_000)
    const before = process.cpuUsage()
    const startedAt = performance.now()
    await sleep(config.seconds * 1000)
    const used = process.cpuUsage(before)
    const elapsedS = (performance.now() - startedAt) / 1000
    close()
    process.send(
      { type: 'idle', cpuMsPerS: (used.user + used.system) / 1000 / elapsedS, elapsedS, userMs: used.user / 1000, systemMs: used.system / 1000 },
      () => process.exit(0),
    )
    return
  }

  const samples = []
  const batch = config.batch ?? 32
  handlers.collect = () => process.send({ type: 'samples', samples, errors: [] })
  handlers.stop = () => {
    close()
    process.send({ type: 'stopped' }, () => process.exit(0))
  }
  const loop = async () => {
    while (!stopping) {
      const text = inTx(db, (tx) => tx.query('SELECT honker_claim_batch(?, ?, ?, ?) AS r', [config.queue, 'native-consumer', batch, 300])[0].r)
      const jobs = JSON.parse(text)
      if (jobs.length === 0) {
        await wait()
        continue
      }
      const at = monotonicMs()
      for (const job of jobs) samples.push([JSON.parse(job.payload).i, at])
      inTx(db, (tx) => tx.query('SELECT honker_ack_batch(?, ?) AS n', [JSON.stringify(jobs.map((job) => job.id)), 'native-consumer']))
    }
  }
  loop().catch((error) => {
    if (!stopping) process.send({ type: 'failed', error: String(error && error.stack ? error.stack : error) })
  })
  await sleep(config.settleMs ?? 300)
  process.send({ type: 'ready' })
}
