// The endurance soak: steady load on one file for `durationMs` by separate processes (2 producers,
// 4 workers, 20 listeners, a stream follower, the scheduler with notification pruning on; see
// test/fixtures/endurance-role.mjs), each sampling its own resident memory, live heap (after a
// forced GC), descriptors, handles and timers; this process samples the WAL and database file
// sizes and the row counts of the live, dead, notification and stream tables.
//
// How it is judged, after a warm-up (the first third of the run): the samples left are split in
// halves, and a figure "grows" if the second half's median exceeds the first half's by more than
// its tolerance (memory: 10% and 8 MB; heap: 20% and 8 MB; descriptors, handles, timers: their
// first-half maximum plus 2). Bounded by design rather than flat: the WAL file stays within
// Honker's autocheckpoint (10,000 pages) plus a margin (or, past it after one slow checkpoint on a
// loaded machine, stops growing: judgeWal), the notification table within the pruning
// policy (maxKeep 5,000 plus what commits between two prunes), and the live table within what the
// workers leave (they keep up). Stream and dead-letter rows are a durable log with no retention
// policy: they grow with the work by design and are reported, not judged.
//
// Used by test/reliability/endurance.test.ts (3 minutes) and soak/run.mjs (30 minutes).
import { spawn } from 'node:child_process'
import { mkdirSync, statSync } from 'node:fs'
import path from 'node:path'
import Database from '../../test/support/raw-sqlite.mjs'
import { open } from '@honker/core'
import { fixturesDir, readLog, sleep, within } from './processes.mjs'

const ROLES = [
  ['producer', 2],
  ['worker', 4],
  ['listener', 1],
  ['follower', 1],
  ['scheduler', 1],
]
const WAL_BOUND_BYTES = 10_000 * 4096 + 16 * 2 ** 20
const NOTIFICATION_BOUND = 5_000 + 5_000

function spawnRole(config) {
  const child = spawn(process.execPath, ['--expose-gc', path.join(fixturesDir, 'endurance-role.mjs')], {
    env: { ...process.env, HONKER_FIXTURE: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 20_000) stderr += chunk
  })
  const exited = new Promise((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })))
  return { child, exited, stderr: () => stderr }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]
}

/** First-half and second-half figures of a series after the warm-up. */
function halves(series) {
  const half = Math.floor(series.length / 2)
  const first = series.slice(0, half)
  const second = series.slice(half)
  return { first, second, firstMedian: median(first), secondMedian: median(second), firstMax: Math.max(...first), secondMax: Math.max(...second) }
}

/**
 * The WAL file keeps its high-water mark, so one slow checkpoint (readers starved of CPU on a busy
 * machine hold their snapshots longer) leaves it above the autocheckpoint bound for the rest of
 * the run without anything being wrong. What is wrong is a WAL that checkpoints cannot reset: it
 * grows all along. So: within the bound, or past it but not growing after warm-up (the second
 * half's maximum within one autocheckpoint of the first half's) and under twice the bound.
 */
function judgeWal(all, afterWarmup) {
  const max = Math.max(0, ...all)
  if (max <= WAL_BOUND_BYTES) return { name: 'wal bounded', ok: true, max, bound: WAL_BOUND_BYTES }
  if (afterWarmup.length < 4) return { name: 'wal bounded', ok: false, why: `only ${afterWarmup.length} samples after warm-up`, max }
  const h = halves(afterWarmup)
  const ok = max <= 2 * WAL_BOUND_BYTES && h.secondMax <= h.firstMax + 10_000 * 4096
  return { name: 'wal bounded (past the bound once, then flat)', ok, max, bound: WAL_BOUND_BYTES, firstMax: h.firstMax, secondMax: h.secondMax }
}

function judgeGrowth(name, series, { ratio, absolute }) {
  if (series.length < 4) return { name, ok: false, why: `only ${series.length} samples after warm-up` }
  const h = halves(series)
  const allowed = Math.max(h.firstMedian * ratio, absolute)
  const grew = h.secondMedian - h.firstMedian
  return { name, ok: grew <= allowed, firstMedian: h.firstMedian, secondMedian: h.secondMedian, grew, allowed }
}

function judgeCount(name, series) {
  if (series.length < 4) return { name, ok: false, why: `only ${series.length} samples after warm-up` }
  const h = halves(series)
  return { name, ok: h.secondMax <= h.firstMax + 2, firstMax: h.firstMax, secondMax: h.secondMax }
}

function fileSize(file) {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

export async function runEnduranceSoak(options) {
  const o = { durationMs: 180_000, sampleEveryMs: 5_000, onProgress: () => {}, ...options }
  mkdirSync(o.dir, { recursive: true })
  const dbFile = path.join(o.dir, 'endurance.db')
  open(dbFile).close() // the schema, before the roles race to create it

  const procs = []
  for (const [role, n] of ROLES) {
    for (let index = 0; index < n; index++) {
      const samples = path.join(o.dir, `${role}-${index}.jsonl`)
      procs.push({ role, index, samples, proc: spawnRole({ db: dbFile, role, index, durationMs: o.durationMs, sampleEveryMs: o.sampleEveryMs, samples }) })
    }
  }

  const fileSamples = []
  const reader = new Database(dbFile, { readonly: true })
  const countOf = (table) => reader.prepare(`SELECT count(*) FROM ${table}`).pluck().get()
  const startedAt = performance.now()
  while (performance.now() - startedAt < o.durationMs) {
    await sleep(o.sampleEveryMs)
    const s = {
      t: Math.round(performance.now() - startedAt),
      wal: fileSize(`${dbFile}-wal`),
      db: fileSize(dbFile),
      live: countOf('_honker_live'),
      dead: countOf('_honker_dead'),
      notifications: countOf('_honker_notifications'),
      stream: countOf('_honker_stream'),
    }
    fileSamples.push(s)
    o.onProgress(s)
  }
  reader.close()
  const exits = await within(Promise.all(procs.map((p) => p.proc.exited)), 60_000)
  const problems = []
  if (exits === null) {
    problems.push('a role process did not finish within 60 s of the end')
    for (const p of procs) p.proc.child.kill('SIGKILL')
  }

  const warmupMs = o.durationMs / 3
  const judgements = []
  const totals = {}
  const perProcess = []
  for (const p of procs) {
    const exit = await p.proc.exited
    if (exit.code !== 0) problems.push(`${p.role} ${p.index} exited with ${exit.code ?? exit.signal}: ${p.proc.stderr().slice(0, 500)}`)
    const { entries, bad } = readLog(p.samples)
    if (bad > 0) problems.push(`${p.role} ${p.index}: ${bad} unreadable sample lines`)
    const done = entries.find((e) => e.done === true)
    if (done === undefined) problems.push(`${p.role} ${p.index} wrote no final counts`)
    else {
      for (const [k, v] of Object.entries(done.counts)) totals[k] = (totals[k] ?? 0) + v
      for (const error of done.errors) problems.push(`${p.role} ${p.index}: ${error}`)
    }
    const series = entries.filter((e) => e.done !== true && e.t >= warmupMs + (entries[0]?.t ?? 0))
    const who = `${p.role} ${p.index}`
    const judged = [
      judgeGrowth(`${who} rss`, series.map((e) => e.rss), { ratio: 0.1, absolute: 8 * 2 ** 20 }),
      judgeGrowth(`${who} heap`, series.map((e) => e.heapUsed), { ratio: 0.2, absolute: 8 * 2 ** 20 }),
      judgeCount(`${who} fds`, series.map((e) => e.fds)),
      judgeCount(`${who} handles`, series.map((e) => e.handles)),
      judgeCount(`${who} timers`, series.map((e) => e.timers)),
    ]
    judgements.push(...judged)
    const last = entries.filter((e) => e.done !== true).at(-1)
    perProcess.push({ who, rssMB: last ? Math.round(last.rss / 2 ** 20) : null, heapMB: last ? Math.round(last.heapUsed / 2 ** 20) : null, fds: last?.fds, handles: last?.handles })
  }

  const afterWarmup = fileSamples.filter((s) => s.t >= warmupMs)
  const maxOf = (key) => Math.max(0, ...fileSamples.map((s) => s[key]))
  judgements.push(judgeWal(fileSamples.map((s) => s.wal), afterWarmup.map((s) => s.wal)))
  judgements.push({ name: 'notifications bounded by pruning', ok: maxOf('notifications') <= NOTIFICATION_BOUND, max: maxOf('notifications'), bound: NOTIFICATION_BOUND })
  const live = halves(afterWarmup.map((s) => s.live))
  judgements.push({ name: 'live backlog does not grow', ok: afterWarmup.length >= 4 && live.secondMax <= live.firstMax * 2 + 500, firstMax: live.firstMax, secondMax: live.secondMax })
  if ((totals.produced ?? 0) === 0 || (totals.handled ?? 0) === 0 || (totals.received ?? 0) === 0 || (totals.followed ?? 0) === 0 || (totals.fired ?? 0) === 0) {
    problems.push(`a role did no work: ${JSON.stringify(totals)}`)
  }

  const failed = judgements.filter((j) => !j.ok)
  const last = fileSamples.at(-1) ?? {}
  return {
    ok: problems.length === 0 && failed.length === 0,
    parameters: { durationMs: o.durationMs, sampleEveryMs: o.sampleEveryMs, processes: procs.length },
    totals,
    perProcess,
    final: { walMB: +(last.wal / 2 ** 20).toFixed(1), dbMB: +(last.db / 2 ** 20).toFixed(1), live: last.live, dead: last.dead, notifications: last.notifications, stream: last.stream },
    maxWalMB: +(maxOf('wal') / 2 ** 20).toFixed(1),
    maxNotifications: maxOf('notifications'),
    failed,
    problems,
    samples: fileSamples.length,
  }
}
