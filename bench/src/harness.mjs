import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ALL_CASES, ALL_FIGURES, CASES, DRIVER_CASES, DRIVERS, PG_CASES, selectCases, sizesFor } from './figures.mjs'
import { ADAPTER_PACKAGES, BENCH_DIR, REPO_DIR, adapterBuildWarning, collectEnv, coreDistMtime, postgresBuildWarning } from './lib/env.mjs'
import { startPostgres } from './lib/pg-cluster.mjs'
import { startRedis } from './lib/redis.mjs'
import { newestMtime, snapshotBench, waitForBuild } from './lib/snapshot.mjs'
import { median } from './lib/stats.mjs'

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child.mjs')
const DEFAULT_TIMEOUT_MS = 300_000

/**
 * The runtimes a case can ask for: `node20` is the Node running the bench (better-sqlite3's, whose
 * addon is built for it); Node 24 and Bun come from scripts/runtimes.mjs (installed from npm into
 * .runtimes/ on first use), loaded only when a selected case needs them.
 */
export async function resolveRuntimes(cases) {
  const runtimes = { node20: process.execPath }
  if (cases.some((c) => c.runtime !== undefined && c.runtime !== 'node20')) {
    const { ensureRuntimes } = await import('../../scripts/runtimes.mjs')
    const installed = ensureRuntimes()
    runtimes.node24 = installed.node24
    runtimes.bun = installed.bun
  }
  return runtimes
}

/**
 * The child process settings of a case: its runtime's executable, and `HONKER_DRIVER` set to its
 * driver (a per-driver case) or removed (the main suite measures `open()`'s default, as an app
 * gets it). Children inherit both, so workers a case spawns run the same runtime and driver.
 */
export function childRuntime(c, runtimes) {
  const env = { ...process.env }
  if (c.driver !== undefined) env.HONKER_DRIVER = c.driver
  else delete env.HONKER_DRIVER
  const execPath = runtimes[c.runtime ?? 'node20']
  if (execPath === undefined) throw new Error(`${c.id}: no runtime ${c.runtime}`)
  return { execPath, env }
}

/**
 * Run one case in a fresh process (of `runtime.execPath`, default this Node; `runtime.child`, the
 * child script of the run's code snapshot, default this tree's). Resolves { result } (which may be
 * { skip }) or { error }; never rejects, so one broken peer cannot stop the suite.
 */
export function runCase(module, fn, params, timeoutMs = DEFAULT_TIMEOUT_MS, runtime = {}) {
  return new Promise((resolve) => {
    const child = fork(runtime.child ?? CHILD, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [],
      ...(runtime.execPath ? { execPath: runtime.execPath } : {}),
      ...(runtime.env ? { env: runtime.env } : {}),
    })
    let stderr = ''
    let settled = false
    const finish = (outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000)
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish({ error: `timed out after ${timeoutMs} ms` })
    }, timeoutMs)
    child.on('message', (message) => {
      finish(message.ok ? { result: message.result } : { error: message.error })
    })
    child.on('close', (code, signal) => {
      finish({ error: `child exited (code ${code}, signal ${signal}) without a result${stderr ? `: ${stderr.trim()}` : ''}` })
    })
    child.send({ module, fn, params })
  })
}

/** The line of an error text worth showing: the first "SomethingError: ..." line, else the first line. */
function firstLine(text) {
  const lines = String(text).split('\n').map((line) => line.trim()).filter(Boolean)
  return lines.find((line) => /^\w*Error\b/.test(line)) ?? lines[0] ?? ''
}

function formatValue(value, unit) {
  if (value === null || value === undefined) return '—'
  return `${value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3)} ${unit}`
}

/**
 * Run every selected case `runs` times, round-robin: round 1 runs each case once, then round 2,
 * ... so slow drift of the machine spreads over all figures instead of landing on one, and a
 * figure and its reference are measured minutes apart at most.
 */
export async function runSuite(options = {}) {
  const { quick = false, only, runs = 3, scale = 1, dir, suite = 'main', core, log = (line) => console.log(line) } = options
  const cases = selectCases(only, suite === 'drivers' ? DRIVER_CASES : suite === 'postgres' ? PG_CASES : CASES)
  if (cases.length === 0) throw new Error(`--only ${only}: no figure matches`)
  const sizes = sizesFor({ quick, scale })
  const runtimes = await resolveRuntimes(cases)
  // The ORM adapter figures (SQLite's and PostgreSQL's) import the adapters' built dist/.
  const adapters = cases.some((c) => c.module === 'adapters' || c.module === 'postgres/adapters')
  const postgres = cases.some((c) => c.postgres)
  const root = fs.mkdtempSync(path.join(dir ?? os.tmpdir(), 'honker-bench-'))
  const started = performance.now()
  let code
  let distAtStart
  try {
    ;({ code, distAtStart } = await copyCode(root, [...(adapters ? ADAPTER_PACKAGES : []), ...(postgres ? ['postgres'] : [])], core, log))
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true })
    throw error
  }
  const child = path.join(code, 'src', 'child.mjs')
  const postgresDist = path.join(REPO_DIR, 'packages', 'postgres', 'dist')
  const postgresDistAtStart = postgres ? newestMtime(postgresDist) : null
  const env = collectEnv(root)
  env.coreBuiltAt = new Date(distAtStart).toISOString()
  if (core !== undefined) {
    // Another build stands in for packages/core: the doc names it instead of the workspace's commit.
    env.coreOverride = core
    env.commit = null
    env.coreBuildWarning = null
  }
  // The connection settings every SQLite figure uses, from the copied core (the doc lists them).
  const adapterEntry = path.join(code, 'node_modules', '@honker', 'core', 'dist', 'adapter.js')
  env.pragmas = [...(await import(pathToFileURL(adapterEntry).href)).CONNECTION_PRAGMAS]
  if (env.coreBuildWarning) log(`WARNING: ${env.coreBuildWarning}`)
  env.adapterBuildWarning = adapters ? adapterBuildWarning() : null
  if (env.adapterBuildWarning) log(`WARNING: ${env.adapterBuildWarning}`)
  env.postgresBuildWarning = postgres ? postgresBuildWarning() : null
  if (env.postgresBuildWarning) log(`WARNING: ${env.postgresBuildWarning}`)
  const results = new Map(cases.map((c) => [c.id, []]))
  const skipped = new Map()
  let redis = null
  let cluster = null
  // Ctrl-C: stop the Redis and the PostgreSQL cluster we started and drop the temp files before exiting.
  const interrupted = async () => {
    await redis?.stop?.()
    cluster?.stop?.()
    fs.rmSync(root, { recursive: true, force: true })
    process.exit(130)
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    if (cases.some((c) => c.system === 'native')) {
      const probeDir = fs.mkdtempSync(path.join(root, 'probe-'))
      const probe = await runCase('native', 'probe', { workDir: probeDir }, 60_000, { child })
      env.native = probe.result?.detail ?? null
      env.nativeReason = probe.result?.skip ?? (probe.error ? firstLine(probe.error) : null)
      if (env.native === null) log(`honker native: skipped (${env.nativeReason})`)
    }
    if (suite === 'drivers') env.drivers = await probeDrivers(cases, runtimes, child, log)
    if (postgres) {
      cluster = await startPostgres()
      env.postgres = cluster.info ?? null
      env.postgresReason = cluster.reason ?? null
      log(cluster.url ? `PostgreSQL ${cluster.info.version} started (fsync ${cluster.info.settings.fsync}) on 127.0.0.1:${cluster.info.port}` : `PostgreSQL: skipped (${cluster.reason})`)
    }
    let runNumber = 0
    if (cases.some((c) => c.redis)) {
      redis = await startRedis(root)
      env.redisReason = redis.reason ?? null
      log(redis.port ? `redis-server ${env.redis} started on 127.0.0.1:${redis.port}` : `BullMQ: skipped (${redis.reason})`)
    }
    for (let round = 1; round <= runs; round++) {
      // PostgreSQL figures wait on the disk, whose commit latency drifts over a run: every other
      // round goes backwards, so a figure and its reference swap places between rounds.
      const order = suite === 'postgres' && round % 2 === 0 ? [...cases].reverse() : cases
      for (const c of order) {
        const list = results.get(c.id)
        const known =
          skipped.get(c.id) ??
          (c.redis && !redis?.port ? `BullMQ needs Redis: ${redis?.reason}` : null) ??
          (c.postgres && !cluster?.url ? `needs PostgreSQL: ${cluster?.reason}` : null)
        if (known) {
          skipped.set(c.id, known)
          list.push({ skip: known })
          continue
        }
        const workDir = fs.mkdtempSync(path.join(root, `${c.id}-r${round}-`))
        const params = {
          ...c.params(sizes, round),
          workDir,
          ...(c.redis ? { redisPort: redis.port } : {}),
          // The run's own schemas on the shared cluster are named after this tag.
          ...(c.postgres ? { pgUrl: cluster.url, runTag: `r${round}_${String(++runNumber).padStart(3, '0')}` } : {}),
        }
        const timeoutMs = c.timeoutMs?.(params) ?? DEFAULT_TIMEOUT_MS
        const t0 = performance.now()
        const outcome = await runCase(c.module, c.fn, params, timeoutMs, { ...childRuntime(c, runtimes), child })
        fs.rmSync(workDir, { recursive: true, force: true })
        const wallS = ((performance.now() - t0) / 1000).toFixed(1)
        if (outcome.result?.skip) {
          skipped.set(c.id, outcome.result.skip)
          list.push({ skip: outcome.result.skip })
          log(`[${round}/${runs}] ${c.id}: skipped (${outcome.result.skip})`)
        } else if (outcome.error) {
          list.push({ error: outcome.error })
          log(`[${round}/${runs}] ${c.id}: ERROR ${firstLine(outcome.error)}`)
        } else {
          list.push(outcome.result)
          const shown = c.figures
            .map((f) => formatValue(f.key === 'value' ? outcome.result.value : outcome.result.values?.[f.key], f.unit))
            .join(', ')
          log(`[${round}/${runs}] ${c.id}: ${shown} (${wallS} s)`)
        }
      }
    }
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    await redis?.stop?.()
    cluster?.stop?.()
    fs.rmSync(root, { recursive: true, force: true })
  }
  env.loadAverageEnd = os.loadavg()
  if (postgres && newestMtime(postgresDist) !== postgresDistAtStart) {
    env.postgresRebuiltDuringRun = true
    log('note: packages/postgres/dist was rebuilt during this run; every round measured the copy taken at its start')
  }
  if (core === undefined && coreDistMtime() !== distAtStart) {
    // Not a warning any more: every round ran the copy taken at the start.
    env.distRebuiltDuringRun = true
    log('note: packages/core/dist was rebuilt during this run; every round measured the copy taken at its start')
  }
  return summarize({
    cases,
    results,
    sizes,
    env,
    options: { quick, only: only ?? null, runs, scale, suite, core: core ?? null },
    durationS: (performance.now() - started) / 1000,
  })
}

/**
 * Measure one build from start to end: wait out a build in progress, copy the code
 * (lib/snapshot.mjs), and start over if a rebuild began while copying.
 */
async function copyCode(root, adapterPackages, core, log) {
  const coreDist = core === undefined ? path.join(REPO_DIR, 'packages', 'core', 'dist') : path.join(core, 'dist')
  for (let attempt = 1; ; attempt++) {
    await waitForBuild(coreDist, { log })
    for (const name of adapterPackages) await waitForBuild(path.join(REPO_DIR, 'packages', name, 'dist'), { log })
    const distAtStart = newestMtime(coreDist)
    const code = snapshotBench(BENCH_DIR, path.join(root, `code-${attempt}`), { core })
    const copied = fs.existsSync(path.join(code, 'node_modules', '@honker', 'core', 'dist', 'index.js'))
    if (copied && newestMtime(coreDist) === distAtStart) return { code, distAtStart }
    fs.rmSync(path.dirname(code), { recursive: true, force: true })
    if (attempt === 5) throw new Error('packages/core/dist kept changing while the bench copied it')
    log('packages/core/dist changed while being copied: copying again')
  }
}

/**
 * Per driver with a selected case: its runtime's version, the SQLite its library links and the
 * library's version, from a probe in that runtime with that driver (a child like any case).
 */
async function probeDrivers(cases, runtimes, child, log) {
  const probes = []
  for (const driver of DRIVERS) {
    const c = cases.find((x) => x.driver === driver.name)
    if (c === undefined) continue
    const outcome = await runCase('raw', 'probe', {}, 60_000, { ...childRuntime(c, runtimes), child })
    const detail = outcome.result?.detail ?? null
    const reason = outcome.result?.skip ?? (outcome.error ? firstLine(outcome.error) : null)
    probes.push({ ...driver, executable: runtimes[driver.runtime], ...(detail ?? {}), driver: driver.name, reason })
    log(detail ? `${driver.name}: ${detail.runtime}, SQLite ${detail.sqlite}` : `${driver.name}: probe failed (${reason})`)
  }
  return probes
}

function valueOf(run, key) {
  if (run === undefined || run.skip || run.error) return null
  const value = key === 'value' ? run.value : run.values?.[key]
  return Number.isFinite(value) ? value : null
}

/** 'pass', 'miss', 'n/a' (no value to check) or null (no target). */
function statusOf(t, med, ratio) {
  if (t === undefined) return null
  if (t.ratioMin !== undefined) return ratio === null ? 'n/a' : ratio >= t.ratioMin ? 'pass' : 'miss'
  if (t.ratioMax !== undefined) return ratio === null ? 'n/a' : ratio <= t.ratioMax ? 'pass' : 'miss'
  if (t.max !== undefined) return med === null ? 'n/a' : med <= t.max ? 'pass' : 'miss'
  if (t.min !== undefined) return med === null ? 'n/a' : med >= t.min ? 'pass' : 'miss'
  return null
}

/** Medians per figure, ratios per round (then their median) and the pass/miss of each target. */
export function summarize({ cases, results, sizes, env, options, durationS }) {
  const caseById = new Map(ALL_CASES.map((c) => [c.id, c]))
  const selected = new Set(cases.map((c) => c.id))
  const figures = ALL_FIGURES.filter((f) => selected.has(f.caseId)).map((figure) => {
    const c = caseById.get(figure.caseId)
    const runs = results.get(figure.caseId) ?? []
    const values = runs.map((run) => valueOf(run, figure.key))
    const refFigure = figure.ref ? ALL_FIGURES.find((f) => f.id === figure.ref) : undefined
    const refRuns = refFigure && selected.has(refFigure.caseId) ? results.get(refFigure.caseId) : undefined
    const ratios = refRuns
      ? values.map((v, i) => {
          const r = valueOf(refRuns[i], refFigure.key)
          return v !== null && r !== null && r > 0 ? v / r : null
        })
      : []
    const med = median(values.filter((v) => v !== null))
    const ratio = median(ratios.filter((v) => v !== null))
    const status = statusOf(figure.target, med, ratio)
    // Further (reference, target) pairs of the figure, checked the same way.
    const also = (figure.also ?? []).map(({ ref, target }) => {
      const other = ALL_FIGURES.find((f) => f.id === ref)
      const otherRuns = other && selected.has(other.caseId) ? results.get(other.caseId) : undefined
      const pairRatios = otherRuns
        ? values.map((v, i) => {
            const r = valueOf(otherRuns[i], other.key)
            return v !== null && r !== null && r > 0 ? v / r : null
          })
        : []
      const pairRatio = median(pairRatios.filter((v) => v !== null))
      return { ref, target, ratios: pairRatios, ratio: pairRatio, status: statusOf(target, med, pairRatio) }
    })
    const skip = runs.find((r) => r.skip)?.skip ?? null
    const errors = runs.filter((r) => r.error).map((r) => firstLine(r.error))
    const details = runs.map((r) => r.detail ?? null)
    return {
      ...figure,
      setup: c.setup(c.params(sizes, 1)),
      values,
      median: med,
      ratios,
      ratio,
      status,
      also,
      skip,
      errors,
      details,
      validRuns: values.filter((v) => v !== null).length,
    }
  })
  return { env, options, sizes, figures, durationS }
}
