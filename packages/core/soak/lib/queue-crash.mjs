// The queue crash soak: producers enqueue `jobs` jobs while worker processes run them and are
// killed with SIGKILL at random and restarted. Then an independent checker (plain better-sqlite3
// reads plus the processes' append-only logs) proves that nothing was lost:
//
// - every enqueued job (the producers' logs) is either acked (gone from _honker_live and not in
//   _honker_dead) or in _honker_dead with a reason that fits it ('max attempts exceeded' with its
//   attempts used up, or the poison handler's own error);
// - every acked job was started by a handler at least once, and no job is acked twice;
// - every job started more than once is explained: the earlier start's attempt lapsed (its process
//   was SIGKILLed, or the worker reported the claim lost) AND the later start began after that
//   claim had expired (later start's unix second > the earlier claim_expires_at), or the earlier
//   attempt retried (its 'R' line, or the 'T' line its handler writes before failing on purpose);
//   in every case the later start has a higher attempt number.
//
// Used by test/reliability/crash.test.ts (a short run in CI) and soak/run.mjs (the long one).
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from '../../test/support/raw-sqlite.mjs'
import { open } from '@honker/core'
import { countCode, killAndWait, randomBetween, readLog, sleep, spawnScript, within } from './processes.mjs'

const QUEUE = 'soak'
const MAX_ATTEMPTS_EXCEEDED = 'max attempts exceeded'

export async function runQueueCrashSoak(options) {
  const o = {
    producers: 2,
    workers: 3,
    jobs: 5000,
    concurrency: 4,
    visibilityTimeoutS: 1,
    maxAttempts: 5,
    batch: 25,
    producerPauseMs: 2,
    workMs: 3,
    killEveryMs: 1500,
    maxKills: 4,
    restartDelayMs: 150,
    timeoutMs: 120_000,
    onProgress: () => {},
    ...options,
  }
  mkdirSync(o.dir, { recursive: true })
  const dbFile = path.join(o.dir, 'soak.db')
  open(dbFile).close() // create and migrate once, so the checker can read from the start
  const startedAt = performance.now()
  const logs = []
  const logFor = (role, index) => {
    const file = path.join(o.dir, `${role}-${index}.log`)
    logs.push({ role, file })
    return file
  }

  const producers = []
  const perProducer = Math.ceil(o.jobs / o.producers)
  for (let p = 0; p < o.producers; p++) {
    const from = p * perProducer
    const to = Math.min(o.jobs, from + perProducer)
    producers.push(
      spawnScript('reliability-producer.mjs', {
        db: dbFile, log: logFor('producer', p), mode: 'queue', queue: QUEUE, from, to, batch: o.batch, pauseMs: o.producerPauseMs,
      }),
    )
  }
  let workerSeq = 0
  const startWorker = () =>
    spawnScript('reliability-worker.mjs', {
      db: dbFile, log: logFor('worker', workerSeq++), queue: QUEUE, concurrency: o.concurrency,
      visibilityTimeoutS: o.visibilityTimeoutS, maxAttempts: o.maxAttempts, workMs: o.workMs,
    })
  const workers = Array.from({ length: o.workers }, startWorker)
  const allWorkers = [...workers]
  const kills = []

  const reader = new Database(dbFile, { readonly: true })
  const liveCount = reader.prepare('SELECT count(*) FROM _honker_live WHERE queue = ?').pluck()
  const deadCount = reader.prepare('SELECT count(*) FROM _honker_dead WHERE queue = ?').pluck()
  const producersDone = () => producers.every((p) => !p.running)
  const finished = () => producersDone() && liveCount.get(QUEUE) === 0
  let timedOut = false
  // Kills come at random moments (every killEveryMs on average) and, with a finite maxKills, also
  // at jittered points of progress, so a short run still gets all of its kills mid-stream.
  const processedSeq = reader.prepare(`SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = '_honker_live'), 0)`).pluck()
  const thresholds = killThresholds(o.jobs, o.maxKills)
  const processed = () => processedSeq.get() - liveCount.get(QUEUE)
  let nextKillAt = performance.now() + randomBetween(o.killEveryMs / 2, (o.killEveryMs * 3) / 2)
  let lastProgress = 0
  try {
    while (!finished()) {
      if (performance.now() - startedAt > o.timeoutMs) {
        timedOut = true
        break
      }
      const due = performance.now() >= nextKillAt || (thresholds[kills.length] !== undefined && processed() >= thresholds[kills.length])
      if (kills.length < o.maxKills && due) {
        const slot = randomBetween(0, workers.length - 1)
        const victim = workers[slot]
        await killAndWait(victim, 'SIGKILL')
        kills.push({ pid: victim.pid, atMs: Math.round(performance.now() - startedAt) })
        await sleep(o.restartDelayMs)
        workers[slot] = startWorker()
        allWorkers.push(workers[slot])
        nextKillAt = performance.now() + randomBetween(o.killEveryMs / 2, (o.killEveryMs * 3) / 2)
      }
      if (performance.now() - lastProgress > 5000) {
        lastProgress = performance.now()
        o.onProgress({ live: liveCount.get(QUEUE), dead: deadCount.get(QUEUE), kills: kills.length, elapsedMs: Math.round(lastProgress - startedAt) })
      }
      await sleep(50)
    }
  } finally {
    // Graceful stop of the survivors (SIGTERM: finish or release what runs), then make sure.
    for (const w of workers) if (w.running) w.child.kill('SIGTERM')
    const stopped = await within(Promise.all(workers.map((w) => w.exited)), 30_000)
    if (stopped === null) for (const w of allWorkers) await killAndWait(w)
    for (const p of producers) await killAndWait(p)
  }
  const durationMs = Math.round(performance.now() - startedAt)
  const workerExits = await Promise.all(workers.map((w) => w.exited))

  const report = check({ o, reader, logs, kills, timedOut, durationMs })
  report.survivorExits = workerExits
  report.stderr = allWorkers.map((w) => w.stderr()).concat(producers.map((p) => p.stderr())).filter((s) => s.trim() !== '')
  report.integrity = reader.pragma('integrity_check', { simple: true })
  reader.close()
  return report
}

/** For a finite number of kills, one point of progress per kill, evenly spread and jittered. */
export function killThresholds(total, maxKills) {
  if (!Number.isFinite(maxKills) || maxKills > 100) return []
  const step = total / (maxKills + 1)
  return Array.from({ length: maxKills }, (_, i) => Math.round(step * (i + 1) + (Math.random() - 0.5) * (step / 2)))
}

function check({ o, reader, logs, kills, timedOut, durationMs }) {
  const killedPids = new Set(kills.map((k) => k.pid))
  const enqueued = new Map() // id -> n
  const producerErrors = {}
  let badLines = 0
  const starts = new Map() // id -> [{ a, t, exp, pid, outcome }]
  const workerErrors = {}
  const outcomes = { A: 0, R: 0, D: 0, L: 0, X: 0 }
  const acks = new Map() // id -> count
  const problems = []
  for (const { role, file } of logs) {
    const { entries, bad } = readLog(file)
    badLines += bad
    if (role === 'producer') {
      for (const e of entries) {
        if (e.e === 'E') enqueued.set(e.id, e.n)
        else if (e.e === 'ERR') countCode(producerErrors, e.code)
      }
      if (!entries.some((e) => e.e === 'DONE')) problems.push(`${path.basename(file)}: producer did not finish`)
      continue
    }
    const open = new Map() // id -> the start record of this process's current attempt
    for (const e of entries) {
      if (e.e === 'S') {
        const start = { a: e.a, t: e.t, exp: e.exp, pid: e.pid, outcome: null, n: e.n }
        const list = starts.get(e.id) ?? []
        list.push(start)
        starts.set(e.id, list)
        open.set(e.id, start)
      } else if (e.e === 'T') {
        const start = open.get(e.id)
        if (start !== undefined && start.a === e.a) start.intent = 'retry'
      } else if (e.e in outcomes) {
        outcomes[e.e]++
        const start = open.get(e.id)
        if (start !== undefined && start.a === e.a) start.outcome = e.e
        if (e.e === 'A') acks.set(e.id, (acks.get(e.id) ?? 0) + 1)
      } else if (e.e === 'W') countCode(workerErrors, e.code)
    }
  }

  const dead = new Map(
    reader.prepare('SELECT id, payload, attempts, max_attempts, last_error FROM _honker_dead WHERE queue = ?').all(QUEUE).map((r) => [r.id, r]),
  )
  const live = reader.prepare('SELECT id, state, attempts, max_attempts, claim_expires_at FROM _honker_live WHERE queue = ?').all(QUEUE)
  const liveIds = new Set(live.map((r) => r.id))
  const inBoth = reader.prepare('SELECT count(*) FROM _honker_live l JOIN _honker_dead d ON d.id = l.id').pluck().get()

  const ns = [...enqueued.values()].sort((a, b) => a - b)
  if (enqueued.size !== o.jobs) problems.push(`producers logged ${enqueued.size} jobs, expected ${o.jobs}`)
  if (ns.some((n, i) => n !== i)) problems.push('producers did not enqueue each n in [0, jobs) exactly once')

  const lost = []
  const badDead = []
  let acked = 0
  const deadBy = { maxAttempts: 0, poison: 0 }
  for (const [id, n] of enqueued) {
    const row = dead.get(id)
    if (row !== undefined) {
      const poison = `UnrecoverableError: poison ${n}`
      if (row.last_error === MAX_ATTEMPTS_EXCEEDED && row.attempts >= row.max_attempts) deadBy.maxAttempts++
      else if (row.last_error === poison && n % 97 === 13) deadBy.poison++
      else badDead.push({ id, n, lastError: row.last_error, attempts: row.attempts })
      if ((acks.get(id) ?? 0) > 0) problems.push(`job ${id} is dead but was acked`)
      continue
    }
    if (liveIds.has(id)) continue // reported as stuck below
    acked++
    if (!starts.has(id)) lost.push({ id, n, why: 'gone from _honker_live without any handler start' })
    if (n % 97 === 13) lost.push({ id, n, why: 'poison job was acked instead of dead-lettered' })
  }
  for (const id of dead.keys()) if (!enqueued.has(id)) problems.push(`dead job ${id} was never enqueued`)
  for (const [id, count] of acks) if (count > 1) problems.push(`job ${id} acked ${count} times`)

  let duplicateJobs = 0
  let extraStarts = 0
  let byTimeout = 0
  let byRetry = 0
  const unexplained = []
  for (const [id, list] of starts) {
    if (!enqueued.has(id)) problems.push(`a worker started job ${id}, which no producer enqueued`)
    if (list.length < 2) continue
    duplicateJobs++
    extraStarts += list.length - 1
    list.sort((x, y) => x.a - y.a || x.t - y.t)
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1]
      const after = list[i]
      const lapsed = before.outcome === 'L' || (before.outcome === null && killedPids.has(before.pid))
      const reclaimedAfterExpiry = Math.floor(after.t / 1000) > before.exp
      if (after.a <= before.a) unexplained.push({ id, why: `attempt ${after.a} started after attempt ${before.a}`, before, after })
      else if (before.outcome === 'R' || before.intent === 'retry') byRetry++
      else if (lapsed && reclaimedAfterExpiry) byTimeout++
      else unexplained.push({ id, why: lapsed ? 'reclaimed before the claim expired' : 'started again with no lapse, retry or kill', before, after })
    }
  }

  return {
    ok: !timedOut && lost.length === 0 && badDead.length === 0 && unexplained.length === 0 && live.length === 0 && inBoth === 0 && problems.length === 0 && badLines === 0,
    parameters: {
      producers: o.producers, workers: o.workers, jobs: o.jobs, concurrency: o.concurrency,
      visibilityTimeoutS: o.visibilityTimeoutS, maxAttempts: o.maxAttempts, killEveryMs: o.killEveryMs, maxKills: o.maxKills,
    },
    durationMs,
    timedOut,
    kills: kills.length,
    enqueued: enqueued.size,
    acked,
    dead: deadBy,
    stuck: live,
    inBothTables: inBoth,
    lost,
    badDead,
    duplicates: { jobs: duplicateJobs, extraStarts, byVisibilityTimeout: byTimeout, byRetry },
    unexplained: unexplained.slice(0, 20),
    unexplainedCount: unexplained.length,
    outcomes,
    workerErrors,
    producerErrors,
    busyErrors: (workerErrors.busy ?? 0) + (producerErrors.busy ?? 0),
    badLogLines: badLines,
    problems: problems.slice(0, 20),
  }
}
