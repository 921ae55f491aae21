#!/usr/bin/env node
// `pnpm soak`: the long reliability runs (the CI versions live in test/reliability/). Builds the
// package, runs each soak with its full parameters, prints every report as JSON and writes a results
// table into docs/reliability.md (between the soak-results markers). Exits 1 if any soak failed.
//
//   pnpm soak                       # everything, full size (several minutes on 2 cores)
//   pnpm soak -- --quick            # reduced sizes, for a quick look
//   pnpm soak -- --only=queue,stream
//   pnpm soak -- --no-docs          # do not touch docs/reliability.md
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const docsFile = path.join(packageDir, '..', '..', 'docs', 'reliability.md')
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const writeDocs = !args.includes('--no-docs')
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')
const selected = (name) => only === undefined || only.includes(name)

function run(command, commandArgs, env = {}, cwd = packageDir) {
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit', env: { ...process.env, ...env } })
  return result.status === 0
}

// The fixtures and soak/lib import '@honker/core', i.e. dist: build it from the current source.
console.log('[soak] building @honker/core ...')
if (!run(process.execPath, ['scripts/build-sql.mjs']) || !run('npx', ['--no-install', 'tsc', '-p', 'tsconfig.build.json'])) {
  console.error('[soak] build failed')
  process.exit(1)
}
const { runQueueCrashSoak } = await import('./lib/queue-crash.mjs')
const { runStreamCrashSoak } = await import('./lib/stream-crash.mjs')
const { runContentionSoak } = await import('./lib/contention.mjs')
const { runEnduranceSoak } = await import('./lib/endurance.mjs')

const work = mkdtempSync(path.join(tmpdir(), 'honker-soak-'))
const progress = (name) => (p) => console.log(`[soak] ${name} ${JSON.stringify(p)}`)
const results = []

async function soak(name, description, fn) {
  if (!selected(name)) return
  console.log(`[soak] ${name}: ${description}`)
  const started = Date.now()
  let report
  try {
    report = await fn()
  } catch (error) {
    report = { ok: false, error: String(error?.stack ?? error) }
  }
  report.wallMs = Date.now() - started
  console.log(`[soak] ${name} ${report.ok ? 'PASSED' : 'FAILED'}\n${JSON.stringify(report, null, 1)}`)
  results.push({ name, description, report })
}

await soak('queue', 'queue crash soak: producers, workers SIGKILLed at random and restarted', () =>
  runQueueCrashSoak({
    dir: path.join(work, 'queue'),
    producers: 2,
    workers: 4,
    jobs: quick ? 10_000 : 100_000,
    concurrency: 8,
    visibilityTimeoutS: 1,
    maxAttempts: 5,
    batch: 50,
    producerPauseMs: 5,
    workMs: 3,
    killEveryMs: 2000,
    maxKills: Infinity,
    timeoutMs: 30 * 60_000,
    onProgress: progress('queue'),
  }),
)

await soak('stream', 'stream crash soak: one named consumer SIGKILLed at random and resumed', () =>
  runStreamCrashSoak({
    dir: path.join(work, 'stream'),
    events: quick ? 5_000 : 50_000,
    batch: 50,
    publisherPauseMs: 5,
    saveEveryN: 100,
    workMs: 1,
    killEveryMs: 1500,
    maxKills: Infinity,
    timeoutMs: 30 * 60_000,
    onProgress: progress('stream'),
  }),
)

await soak('contention', '8 processes mixing every kind of read and write on one file', () =>
  runContentionSoak({ dir: path.join(work, 'contention'), processes: 8, durationMs: quick ? 10_000 : 60_000, graceMs: 60_000 }),
)

await soak('endurance', 'steady load by 9 processes: memory, descriptors, handles, WAL and tables sampled for growth', () =>
  runEnduranceSoak({
    dir: path.join(work, 'endurance'),
    durationMs: quick ? 180_000 : 30 * 60_000,
    sampleEveryMs: quick ? 5_000 : 10_000,
    onProgress: progress('endurance'),
  }),
)

// In-process soaks are the CI tests with bigger numbers.
await soak('property', 'job state machine against its model, more fast-check runs', async () => {
  const runs = quick ? 300 : 2000
  const ok = run('npx', ['--no-install', 'vitest', 'run', 'test/reliability/job-state-machine.property.test.ts', '--reporter=dot'], { HONKER_PROPERTY_RUNS: String(runs) })
  return { ok, runs }
})
await soak('open-close', 'open and close one file many times: no descriptor, timer or listener leak', async () => {
  const cycles = quick ? 10_000 : 100_000
  const progressFile = path.join(work, 'open-close-progress.json')
  const ok = run('npx', ['--no-install', 'vitest', 'run', 'test/reliability/resources.test.ts', '--reporter=dot'], {
    HONKER_OPEN_CLOSE_CYCLES: String(cycles),
    HONKER_OPEN_CLOSE_PROGRESS: progressFile,
  })
  let progress = { done: 0, elapsedMs: 0 }
  try {
    progress = JSON.parse(readFileSync(progressFile, 'utf8'))
  } catch {
    // No progress written: it failed before its first thousand cycles.
  }
  const cyclesPerS = progress.elapsedMs > 0 ? Math.round((progress.done / progress.elapsedMs) * 1000) : 0
  // A run that stopped short of its cycles ran out of time; that is not a leak, and says so.
  return { ok, cycles, done: progress.done, cyclesPerS, timedOut: !ok && progress.done < cycles }
})

await soak('fuzz', 'the SQL-functions extension under ASan and UBSan, a generated fuzz of every function', async () => {
  const seeds = quick ? [1, 2] : [1, 2, 3, 4, 5, 6, 7, 8]
  const calls = quick ? 100_000 : 500_000
  const ok = run(
    'npx',
    ['--no-install', 'vitest', 'run', 'test/sanitizers.test.ts', '--reporter=dot'],
    { HONKER_FUZZ_CALLS: String(calls), HONKER_FUZZ_SEEDS: seeds.join(',') },
    path.join(packageDir, '..', 'sqlite-functions'),
  )
  return { ok, seeds: seeds.length, calls }
})

rmSync(work, { recursive: true, force: true })

function row({ name, report }) {
  const r = report
  const status = r.ok ? 'pass' : r.timedOut ? 'TIMEOUT' : 'FAIL'
  const s = (ms) => `${Math.round(ms / 1000)} s`
  switch (name) {
    case 'queue':
      return `| queue crash | ${status} | ${r.parameters?.jobs} jobs, ${r.parameters?.producers} producers, ${r.parameters?.workers} workers x ${r.parameters?.concurrency}, visibility ${r.parameters?.visibilityTimeoutS} s, ${r.kills} SIGKILLs | ${r.acked} acked, ${r.dead?.poison} dead (poison), ${r.dead?.maxAttempts} dead (max attempts), lost ${r.lost?.length}, stuck ${r.stuck?.length}; run twice: ${r.duplicates?.byVisibilityTimeout} after an expired visibility timeout, ${r.duplicates?.byRetry} by retry, ${r.unexplainedCount} unexplained; busy errors ${r.busyErrors} | ${s(r.durationMs ?? r.wallMs)} |`
    case 'stream':
      return `| stream crash | ${status} | ${r.published} events, saveEveryN ${r.parameters?.saveEveryN}, ${r.kills} SIGKILLs | missing ${r.missingCount}, gaps ${r.problems?.length ?? '?'}, re-delivered ${r.redelivered} (at most ${r.maxRedeliveredAfterOneKill} after one kill), final offset ${r.finalSavedOffset} | ${s(r.durationMs ?? r.wallMs)} |`
    case 'contention':
      return `| contention | ${status} | ${r.parameters?.processes} processes for ${s(r.parameters?.durationMs ?? 0)} | ${r.totalOps} operations, ${r.busyErrors} busy errors, ${Object.keys(r.errors ?? {}).length} error kinds, hung ${r.hung?.length}, out of order ${r.outOfOrder}, claims left ${r.leftProcessing}, integrity ${r.integrity} | ${s(r.durationMs ?? r.wallMs)} |`
    case 'property':
      return `| job state machine | ${status} | ${r.runs} fast-check runs of up to 80 steps | model and database agree after every step | ${s(r.wallMs)} |`
    case 'open-close':
      return r.timedOut
        ? `| open/close | ${status} | ${r.cycles} cycles | ran out of time after ${r.done} cycles (${r.cyclesPerS} cycles/s); no leak was measured | ${s(r.wallMs)} |`
        : `| open/close | ${status} | ${r.cycles} cycles, ${r.cyclesPerS} cycles/s | no growth in descriptors, handles, timers, process listeners, watchers | ${s(r.wallMs)} |`
    case 'endurance': {
      const rss = (r.perProcess ?? []).map((p) => p.rssMB)
      return `| endurance | ${status} | ${Math.round((r.parameters?.durationMs ?? 0) / 60_000)} min, ${r.parameters?.processes} processes (2 producers, 4 workers, 20 listeners, a follower, the scheduler, pruning on), sampled every ${(r.parameters?.sampleEveryMs ?? 0) / 1000} s | ${r.totals?.produced} jobs+notifications+events produced, ${r.totals?.handled} handled; no growth after warm-up in rss, heap, descriptors, handles or timers${r.failed?.length ? ` except ${r.failed.map((f) => f.name).join(', ')}` : ''}; resident ${Math.min(...rss)}-${Math.max(...rss)} MB per process; WAL at most ${r.maxWalMB} MB, notifications at most ${r.maxNotifications}; final ${r.final?.dbMB} MB file, ${r.final?.stream} events, ${r.final?.dead} dead | ${s(r.wallMs)} |`
    }
    case 'fuzz':
      return `| SQL functions under ASan + UBSan | ${status} | ${r.seeds} seeds x ${r.calls} calls of every function (NULL, edge integers, reals, 64 KiB and 1 MiB text, invalid UTF-8, NULs, blobs, wrong arity; plain, in transactions, from triggers) | ${r.ok ? 'no crash, no sanitizer report, every failure an SQL error with a message, integrity ok' : 'see the run log'} | ${s(r.wallMs)} |`
    default:
      return `| ${name} | ${status} | | | ${s(r.wallMs)} |`
  }
}

const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`
const table = [
  `Last run: ${new Date().toISOString().slice(0, 10)}, ${quick ? 'reduced (--quick)' : 'full'} parameters, on ${machine}.`,
  '',
  '| soak | result | parameters | outcome | time |',
  '|---|---|---|---|---|',
  ...results.map(row),
].join('\n')
console.log(`\n${table}\n`)

if (writeDocs && only === undefined) {
  const begin = '<!-- soak-results:begin -->'
  const end = '<!-- soak-results:end -->'
  const doc = readFileSync(docsFile, 'utf8')
  const from = doc.indexOf(begin)
  const to = doc.indexOf(end)
  if (from === -1 || to === -1) {
    console.error(`[soak] ${docsFile} has no ${begin} ... ${end} section; results not recorded`)
  } else {
    writeFileSync(docsFile, `${doc.slice(0, from + begin.length)}\n${table}\n${doc.slice(to)}`)
    console.log(`[soak] results recorded in ${path.relative(process.cwd(), docsFile)}`)
  }
}
process.exit(results.every((r) => r.report.ok) ? 0 : 1)
