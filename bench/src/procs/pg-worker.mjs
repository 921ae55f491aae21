// A worker process of the PostgreSQL figures, for any of the three systems (lib/pg-systems.mjs),
// on a pool of its own. Config (argv[2], JSON):
//   { system, url, schema, variant, mode: 'e2e' | 'wake' | 'idle', concurrency?, seconds?, settleMs? }
// e2e:  'ready' -> on 'go' start the system's worker with a no-op handler -> on 'stop' stop it and
//       send 'stopped' { handled, firstAt (monotonicMs() of the first handler call), errors }. The
//       coordinator times the drain from its tables.
// wake: start the worker with a handler whose first act is to take monotonicMs(); send 'ready'
//       once it listens and is parked -> on 'collect' send 'samples' [[i, at], ...] -> on 'stop' exit.
// idle: park the worker with nothing to do, let it settle, measure process.cpuUsage() over
//       `seconds`, send 'idle' { cpuMsPerS } and exit.
import { procConfig, reply } from '../lib/ipc.mjs'
import { SYSTEMS } from '../lib/pg-systems.mjs'
import { sleep } from '../lib/measure.mjs'
import { monotonicMs } from '../lib/clock.mjs'

const config = procConfig()
const system = SYSTEMS[config.system]
if (system === undefined) throw new Error(`unknown system ${config.system}`)
const handlers = {}
process.on('message', (message) => void handlers[message.type]?.(message))
process.on('disconnect', () => process.exit(0))
const errors = []
const onError = (error) => errors.push(String(error?.message ?? error))

try {
  const worker = await system.worker(config.url, config.schema, config.variant)
  if (config.mode === 'e2e') {
    let handled = 0
    let firstAt = null
    handlers.go = () =>
      worker.start(
        (payloads) => {
          if (handled === 0) firstAt = monotonicMs()
          handled += payloads.length
        },
        config.concurrency ?? 1,
        onError,
      )
    handlers.stop = async () => {
      await worker.stop()
      await reply({ type: 'stopped', handled, firstAt, errors })
      process.exit(0)
    }
    await reply({ type: 'ready' })
  } else if (config.mode === 'wake') {
    const samples = []
    await worker.start(
      (payloads) => {
        const at = monotonicMs()
        for (const payload of payloads) samples.push([payload.i, at])
      },
      1,
      onError,
    )
    await worker.wakeReady()
    handlers.collect = () => process.send({ type: 'samples', samples, errors })
    handlers.stop = async () => {
      await worker.stop()
      await reply({ type: 'stopped' })
      process.exit(0)
    }
    // Let the worker make its first (empty) fetch and park before the producer starts.
    await sleep(config.settleMs ?? 500)
    await reply({ type: 'ready' })
  } else if (config.mode === 'idle') {
    await worker.start(() => {}, 1, onError)
    // Start-up garbage collected (--expose-gc), then V8's memory reducer (a full GC about 8 s
    // after a major one) waited out, as the SQLite idle figure does.
    await sleep(1000)
    globalThis.gc?.()
    await sleep(config.settleMs ?? 10_000)
    const before = process.cpuUsage()
    const startedAt = performance.now()
    await sleep(config.seconds * 1000)
    const used = process.cpuUsage(before)
    const elapsedS = (performance.now() - startedAt) / 1000
    await worker.stop()
    await reply({ type: 'idle', cpuMsPerS: (used.user + used.system) / 1000 / elapsedS, elapsedS, userMs: used.user / 1000, systemMs: used.system / 1000, errors })
    process.exit(0)
  } else {
    throw new Error(`unknown mode ${config.mode}`)
  }
} catch (error) {
  await reply({ type: 'failed', error: String(error?.stack ?? error) })
  process.exit(1)
}
