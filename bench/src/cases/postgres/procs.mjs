/**
 * The multi-process PostgreSQL figures, the same steps for Honker, pg-boss and graphile-worker
 * (lib/pg-systems.mjs): worker end to end in P worker processes, cross-process wake latency and
 * the idle CPU of a parked worker. This process sets the system up in a fresh schema, fills the
 * queue, forks the workers (procs/pg-worker.mjs, each on a pool of its own), produces and times.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnProc } from '../../lib/ipc.mjs'
import { sleep } from '../../lib/measure.mjs'
import { SYSTEMS } from '../../lib/pg-systems.mjs'
import { withSchema } from '../../lib/pg-run.mjs'
import { settleServer } from '../../lib/postgres.mjs'
import { monotonicMs } from '../../lib/clock.mjs'
import { latencyFigures, rng } from '../../lib/stats.mjs'

const PG_WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'procs', 'pg-worker.mjs')

/** `fn` run at most once (a handle is closed early on success and again in `finally`). */
function once(fn) {
  let done = null
  return () => (done ??= Promise.resolve().then(fn))
}

function systemOf(name) {
  const system = SYSTEMS[name]
  if (system === undefined) throw new Error(`unknown system ${name}`)
  return system
}

/** The worker's first message of `type`; a 'failed' one (set-up threw) fails the run with its reason. */
async function firstMessage(proc, type, timeoutMs) {
  const message = await proc.nextOf([type, 'failed'], timeoutMs)
  if (message.type === 'failed') throw new Error(message.error)
  return message
}

/**
 * Poll `remaining()` every `everyMs` until it reads 0; resolves the monotonicMs() of that reading.
 * Reading the tables (not the workers' events) times every system the same way: a job counts
 * once its completion has committed.
 */
async function drained(remaining, { everyMs = 10, timeoutMs }) {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const left = await remaining()
    if (left === 0) return monotonicMs()
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms with ${left} jobs left`)
    await sleep(everyMs)
  }
}

/**
 * End to end: `jobs` prefilled jobs drained by `processes` worker processes, each running the
 * system's worker at `concurrency` with a no-op handler. The figure is jobs / (the first reading
 * of an empty queue - the first handler call in any worker).
 */
export function work(params) {
  const { system: name, jobs, concurrency, processes, timeoutMs = 240_000 } = params
  const system = systemOf(name)
  return withSchema(params, system.prefix, async ({ pool, schema, url }) => {
    const handle = await system.setup(url, pool, schema, 'e2e')
    const close = once(handle.close)
    const workers = []
    try {
      await handle.prefill(jobs)
      if ((await handle.remaining()) !== jobs) throw new Error('prefill did not leave exactly the jobs asked for')
      await close()
      await settleServer(pool, schema)
      for (let k = 0; k < processes; k++) {
        workers.push(spawnProc(PG_WORKER, { system: name, url, schema, variant: 'e2e', mode: 'e2e', concurrency }, { timeoutMs }))
      }
      await Promise.all(workers.map((w) => firstMessage(w, 'ready', 60_000)))
      const start = monotonicMs()
      for (const w of workers) w.send({ type: 'go' })
      const end = await drained(handle.remaining, { timeoutMs })
      for (const w of workers) w.send({ type: 'stop' })
      const stopped = await Promise.all(workers.map((w) => w.next('stopped', 30_000)))
      const handled = stopped.reduce((sum, s) => sum + s.handled, 0)
      if (handled < jobs) throw new Error(`${handled} handler calls for ${jobs} jobs`)
      // From the first handler call in any worker: each system's start-up (graphile-worker's
      // run() checks its migrations and connects, pg-boss's work() and Honker's queue.work() do
      // less) is reported, not timed.
      const firstAt = Math.min(...stopped.map((s) => s.firstAt ?? Infinity))
      const elapsedMs = end - firstAt
      return {
        value: (jobs * 1000) / elapsedMs,
        units: jobs,
        elapsedMs,
        detail: {
          startupMs: firstAt - start,
          perProcess: stopped.map((s) => s.handled),
          errors: stopped.reduce((n, s) => n + s.errors.length, 0),
          firstError: stopped.flatMap((s) => s.errors)[0] ?? null,
        },
      }
    } finally {
      await Promise.all(workers.map((w) => w.kill()))
      await close()
    }
  })
}

/**
 * Cross-process wake latency, as the SQLite figure measures it: this process enqueues one job at
 * a time with seeded random gaps of 2-20 ms; one worker process (concurrency 1) takes the wall
 * clock as its handler starts. latency = handler start - the moment the enqueue call resolved
 * (committed). `variant` picks pg-boss's polling or LISTEN/NOTIFY set-up.
 */
export function wakeLatency(params) {
  const { system: name, variant = 'wake', samples, warmup, seed, gapMinMs = 2, gapMaxMs = 20, timeoutMs = 120_000 } = params
  const system = systemOf(name)
  return withSchema(params, system.prefix, async ({ pool, schema, url }) => {
    const handle = await system.setup(url, pool, schema, variant)
    const proc = spawnProc(PG_WORKER, { system: name, url, schema, variant, mode: 'wake' }, { timeoutMs })
    try {
      await settleServer(pool, schema)
      await firstMessage(proc, 'ready', 60_000)
      const producer = handle.producer()
      const random = rng(seed)
      const committedAt = new Map()
      for (let i = 0; i < warmup + samples; i++) {
        await sleep(gapMinMs + random() * (gapMaxMs - gapMinMs))
        await producer.enqueue({ i })
        committedAt.set(i, monotonicMs())
      }
      await drained(handle.remaining, { everyMs: 20, timeoutMs: 30_000 })
      proc.send({ type: 'collect' })
      const { samples: started, errors } = await proc.next('samples')
      const figures = latencyFigures(started, committedAt, warmup, samples, { errors: errors.length })
      proc.send({ type: 'stop' })
      await proc.next('stopped', 10_000).catch(() => {})
      return figures
    } finally {
      await proc.kill()
      await handle.close()
    }
  })
}

/** CPU used by one worker process parked on an empty queue, in ms of CPU per second. */
export function idleCpu(params) {
  const { system: name, seconds, settleMs } = params
  const system = systemOf(name)
  return withSchema(params, system.prefix, async ({ pool, schema, url }) => {
    const handle = await system.setup(url, pool, schema, 'idle')
    await handle.close()
    const waitMs = seconds * 1000 + settleMs + 30_000
    const proc = spawnProc(PG_WORKER, { system: name, url, schema, variant: 'idle', mode: 'idle', seconds, settleMs }, { timeoutMs: waitMs, execArgv: ['--expose-gc'] })
    try {
      const result = await firstMessage(proc, 'idle', waitMs)
      return { value: result.cpuMsPerS, detail: { seconds: result.elapsedS, userMs: result.userMs, systemMs: result.systemMs, errors: result.errors.length } }
    } finally {
      await proc.kill()
    }
  })
}
