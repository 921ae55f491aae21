/**
 * Figures that need more than one process: worker end to end, cross-process wake latency and the
 * idle CPU of a parked consumer. The case process writes (prefill, producer commits) with
 * @honker/core or a raw handle of the same library (better-sqlite3, or the one `HONKER_DRIVER`
 * names in a per-driver figure); consumers are separate processes (src/procs/), forked with this
 * process's runtime and environment (so the same driver), and the honker native consumer never
 * shares a process with better-sqlite3.
 */
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { open } from '@honker/core'
import { spawnProc } from '../lib/ipc.mjs'
import { openLibrary } from '../lib/libraries.mjs'
import { completion, sleep, until } from '../lib/measure.mjs'
import { skip } from '../lib/skip.mjs'
import { createHonkerSchema, countLive, freshPath, prefillJobs } from '../lib/sqlite.mjs'
import { QUEUE, RAW_INSERT_JOB } from '../lib/sql.mjs'
import { monotonicMs } from '../lib/clock.mjs'
import { latencyFigures, rng } from '../lib/stats.mjs'
import { STORED_PARENT, TRACED_CARRIER, installBareTracingHook, tracingSdk } from '../lib/tracing.mjs'

const PROCS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'procs')
const HONKER_WORKER = path.join(PROCS, 'honker-worker.mjs')
const NATIVE_CONSUMER = path.join(PROCS, 'native-consumer.cjs')
const noop = async () => {}

function preparedFile(workDir, name, jobs) {
  const file = freshPath(workDir, name)
  createHonkerSchema(file)
  const raw = openLibrary(file)
  prefillJobs(raw, QUEUE, jobs)
  raw.close()
  return file
}

function assertDrained(file, expected) {
  const raw = openLibrary(file)
  const left = countLive(raw, QUEUE)
  raw.close()
  if (left !== 0) throw new Error(`${left} of ${expected} jobs still in _honker_live after the run`)
}

/**
 * `queue.work(noop, { concurrency })` draining `jobs` prefilled jobs, in this process or in
 * `processes` worker processes. The figure is jobs / (last completion - start).
 */
export async function work({ workDir, jobs, concurrency, processes, timeoutMs = 300_000 }) {
  const file = preparedFile(workDir, `honker-work-c${concurrency}-p${processes}`, jobs)
  let elapsedMs
  let detail
  if (processes === 1) {
    const drained = await drainHere(file, jobs, concurrency, timeoutMs)
    elapsedMs = drained.elapsedMs
    detail = { completed: drained.completed, errors: drained.errors.length }
  } else {
    const workers = Array.from({ length: processes }, () =>
      spawnProc(HONKER_WORKER, { file, queue: QUEUE, mode: 'e2e', concurrency }, { timeoutMs }),
    )
    try {
      await Promise.all(workers.map((w) => w.next('ready')))
      const progress = workers.map(() => ({ completed: 0, lastAt: 0 }))
      const finished = completion(timeoutMs, `${jobs} completions`)
      workers.forEach((w, k) =>
        w.listen('progress', (m) => {
          progress[k] = m
          if (progress.reduce((sum, p) => sum + p.completed, 0) >= jobs) finished.done()
        }),
      )
      const start = monotonicMs()
      for (const w of workers) w.send({ type: 'go' })
      await finished.promise
      for (const w of workers) w.send({ type: 'stop' })
      const stopped = await Promise.all(workers.map((w) => w.next('stopped')))
      const completed = stopped.reduce((sum, s) => sum + s.completed, 0)
      if (completed !== jobs) throw new Error(`${completed} completions for ${jobs} jobs`)
      elapsedMs = Math.max(...stopped.map((s) => s.lastAt)) - start
      detail = { perProcess: stopped.map((s) => s.completed), errors: stopped.reduce((n, s) => n + s.errors.length, 0) }
    } finally {
      await Promise.all(workers.map((w) => w.kill()))
    }
  }
  assertDrained(file, jobs)
  return { value: (jobs * 1000) / elapsedMs, units: jobs, elapsedMs, detail }
}

/** A prefilled file whose every job carries a stored producer context. */
function tracedFile(workDir, name, jobs) {
  const file = preparedFile(workDir, name, jobs)
  const raw = openLibrary(file)
  raw.prepare('UPDATE _honker_live SET trace_context = ?').run(TRACED_CARRIER)
  raw.close()
  return file
}

/** `queue.work(noop, { concurrency })` in this process until `jobs` completions; resolves the elapsed ms. */
async function drainHere(file, jobs, concurrency, timeoutMs) {
  const db = open(file)
  const queue = db.queue(QUEUE)
  const errors = []
  const finished = completion(timeoutMs, `${jobs} completions`)
  let completed = 0
  const start = performance.now()
  const worker = queue.work(noop, { concurrency })
  worker.on('job:completed', () => {
    if (++completed === jobs) finished.done(performance.now())
  })
  worker.on('worker:error', (error) => errors.push(String(error?.message ?? error)))
  const endAt = await finished.promise
  await worker.stop({ timeoutMs: 5000 })
  db.close()
  return { elapsedMs: endAt - start, completed, errors }
}

/**
 * `work` with OpenTelemetry tracing on (issue 19): `@honker/otel` with the SDK's always-on
 * sampler and an in-memory exporter, every prefilled job carrying a stored producer context, so
 * each attempt reads it and records a CONSUMER span parented to it. Compared with
 * `honker.work.c8.p1` (tracing off) of the same round.
 */
export async function workTraced({ workDir, jobs, concurrency, timeoutMs = 300_000 }) {
  const file = tracedFile(workDir, `honker-work-otel-c${concurrency}`, jobs)
  const { exporter, tracerProvider } = await tracingSdk(jobs)
  const { instrumentHonker } = await import('@honker/otel')
  const telemetry = instrumentHonker({ tracerProvider, metrics: false })
  const { elapsedMs, completed, errors } = await drainHere(file, jobs, concurrency, timeoutMs)
  telemetry.disable()
  await tracerProvider.forceFlush()
  const spans = exporter.getFinishedSpans()
  const parented = spans.filter((span) => span.parentSpanContext?.spanId === STORED_PARENT.spanId).length
  if (parented !== jobs) throw new Error(`${parented} of ${jobs} attempts recorded a span parented to the stored context`)
  assertDrained(file, jobs)
  return { value: (jobs * 1000) / elapsedMs, units: jobs, elapsedMs, detail: { completed, spans: spans.length, errors: errors.length } }
}

/**
 * What tracing could cost at best: the same traced drain with `@honker/otel` replaced by the bare
 * minimum any tracing must do per attempt, registered through core's seam: start a CONSUMER span
 * with the attempt's attributes under the (already parsed) stored parent, run the handler in its
 * context, end it; the same sampler, processor and exporter. `honker.work.c8.p1.otel` against this
 * is `@honker/otel`'s own share (reading the stored context, attributes, status, error handling).
 */
export async function workTracedCeiling({ workDir, jobs, concurrency, timeoutMs = 300_000 }) {
  const file = tracedFile(workDir, `honker-work-otel-ceiling-c${concurrency}`, jobs)
  const { exporter, tracerProvider } = await tracingSdk(jobs)
  const removeHook = await installBareTracingHook(tracerProvider)
  const { elapsedMs } = await drainHere(file, jobs, concurrency, timeoutMs)
  removeHook()
  await tracerProvider.forceFlush()
  if (exporter.getFinishedSpans().length !== jobs) throw new Error('spans were dropped')
  assertDrained(file, jobs)
  return { value: (jobs * 1000) / elapsedMs, units: jobs, elapsedMs }
}

function spawnConsumer(consumer, config, timeoutMs) {
  // --expose-gc lets the idle figure collect start-up garbage before its window (see the procs).
  const options = { timeoutMs, execArgv: ['--expose-gc'] }
  if (consumer === 'native') return spawnProc(NATIVE_CONSUMER, config, options)
  const watcher = consumer === 'honker-poll1' ? { mode: 'poll', pollIntervalMs: 1 } : undefined
  return spawnProc(HONKER_WORKER, { ...config, watcher }, options)
}

/** The consumer's first message of `type`; skips or fails on the native consumer's reason. */
async function firstMessage(proc, type, timeoutMs) {
  const message = await proc.nextOf([type, 'unavailable', 'failed'], timeoutMs)
  if (message.type === 'unavailable') skip(message.reason)
  if (message.type === 'failed') throw new Error(message.error)
  return message
}

/**
 * Cross-process wake latency: this process enqueues one job at a time with seeded random gaps of
 * 2-20 ms (so commits land at random points of any poll cycle); the consumer process records the
 * clock (lib/clock.mjs) as its handler starts. latency = handler start - the moment enqueue() returned
 * (commit done), both on the clock all processes share (monotonicMs).
 */
export async function wakeLatency({ workDir, samples, warmup, seed, consumer, gapMinMs = 2, gapMaxMs = 20, timeoutMs = 120_000 }) {
  const file = freshPath(workDir, `wake-${consumer}`)
  createHonkerSchema(file)
  const proc = spawnConsumer(consumer, { file, queue: QUEUE, mode: 'wake' }, timeoutMs)
  try {
    await firstMessage(proc, 'ready', 30_000)
    const db = open(file)
    const queue = db.queue(QUEUE)
    const random = rng(seed)
    const committedAt = new Map()
    for (let i = 0; i < warmup + samples; i++) {
      await sleep(gapMinMs + random() * (gapMaxMs - gapMinMs))
      queue.enqueue({ i })
      committedAt.set(i, monotonicMs())
    }
    const raw = openLibrary(file)
    await until(() => countLive(raw, QUEUE) === 0, { everyMs: 20, timeoutMs: 30_000, what: 'the consumer to finish' })
    raw.close()
    db.close()
    proc.send({ type: 'collect' })
    const { samples: started, errors } = await proc.next('samples')
    const figures = latencyFigures(started, committedAt, warmup, samples, { errors: errors.length })
    proc.send({ type: 'stop' })
    await proc.next('stopped', 10_000).catch(() => {})
    return figures
  } finally {
    await proc.kill()
  }
}

/** CPU used by one process with a consumer parked and nothing to do, in ms of CPU per second. */
export async function idleCpu({ workDir, seconds, settleMs, consumer }) {
  const file = freshPath(workDir, `idle-${consumer}`)
  createHonkerSchema(file)
  const waitMs = seconds * 1000 + settleMs + 30_000
  const proc = spawnConsumer(consumer, { file, queue: QUEUE, mode: 'idle', seconds, settleMs }, waitMs)
  try {
    const result = await firstMessage(proc, 'idle', waitMs)
    return { value: result.cpuMsPerS, detail: { seconds: result.elapsedS, userMs: result.userMs, systemMs: result.systemMs } }
  } finally {
    await proc.kill()
  }
}

const FLOOR_CONSUMER = path.join(PROCS, 'floor-consumer.mjs')

/**
 * The floors of the wake figures (issue 20), timed the way `wakeLatency` times Honker: seeded
 * gaps of 2-20 ms, latency = the consumer's monotonicMs() - the producer's right after its act.
 * - `watch`: a raw insert-commit here; in the other process a file event, `data_version` and one
 *   hand-written claim transaction (procs/floor-consumer.mjs): the least a SQLite consumer does.
 * - `socket`: a line written to a Unix socket; the other process's read of it (the kernel's floor).
 */
export async function wakeFloor({ workDir, samples, warmup, seed, floor, gapMinMs = 2, gapMaxMs = 20, timeoutMs = 120_000 }) {
  const file = freshPath(workDir, `floor-${floor}`)
  createHonkerSchema(file)
  const socketPath = `${file}.sock`
  const proc = spawnProc(FLOOR_CONSUMER, { file, queue: QUEUE, socket: socketPath, mode: floor }, { timeoutMs })
  let raw = null
  let client = null
  try {
    await proc.next('ready', 30_000)
    let act
    if (floor === 'watch') {
      raw = openLibrary(file)
      const insert = raw.prepare(RAW_INSERT_JOB)
      act = (i) => {
        const now = Math.floor(Date.now() / 1000)
        insert.run(QUEUE, JSON.stringify({ i }), now - 1, now)
      }
    } else {
      client = net.createConnection(socketPath)
      client.setNoDelay(true)
      await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject))
      act = (i) => client.write(`${i}\n`)
    }
    const random = rng(seed)
    const actedAt = new Map()
    for (let i = 0; i < warmup + samples; i++) {
      await sleep(gapMinMs + random() * (gapMaxMs - gapMinMs))
      act(i)
      actedAt.set(i, monotonicMs())
    }
    await sleep(100)
    proc.send({ type: 'collect' })
    const { samples: seen } = await proc.next('samples')
    const figures = latencyFigures(seen, actedAt, warmup, samples)
    proc.send({ type: 'stop' })
    await proc.next('stopped', 10_000).catch(() => {})
    return figures
  } finally {
    client?.destroy()
    raw?.close()
    await proc.kill()
  }
}
