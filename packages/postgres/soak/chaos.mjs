// The many-machines soak on PostgreSQL (issue 15): `jobs` jobs over `workers` worker processes,
// each on its own pool, while the parent kill -9s workers (and starts replacements), terminates
// worker and listener backends with pg_terminate_backend, and restarts the server once. Then it
// proves zero lost jobs and that every duplicate execution began after the previous claim's
// expiry. Returns the figures; `run.mjs` prints them and `test/soak.test.ts` runs a small one.
import { fork } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { open } from '@honker/postgres'
import { startTestCluster } from '@honker/testkit/postgres'

const here = path.dirname(fileURLToPath(import.meta.url))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export async function runChaos({ jobs = 100_000, workers = 4, handlerMs = 4, chaosEveryMs = 1000, restart = true, timeoutMs = 600_000, log = () => {} } = {}) {
  const started = Date.now()
  const cluster = await startTestCluster({ fsync: true })
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-pg-soak-'))
  const pool = new pg.Pool({ connectionString: cluster.url, max: 4 })
  pool.on('error', () => {})
  const schema = 'soak'
  const db = await open({ postgres: pool, schema })
  const queue = db.queue('soak', { visibilityTimeoutS: 4, maxAttempts: 1000 })
  for (let i = 0; i < jobs; i += 1000) await queue.enqueueMany(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => i + k))
  const chaos = { kills: 0, workerBackendsTerminated: 0, listenerBackendsTerminated: 0, restarts: 0, unexpectedExits: 0 }
  let spawned = 0
  const children = new Set()
  const spawnWorker = () => {
    const name = `w${++spawned}`
    const child = fork(path.join(here, 'worker.mjs'), [cluster.url, schema, name, path.join(dir, `${name}.log`), String(handlerMs)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] })
    child.killedOnPurpose = false
    child.on('exit', (code, signal) => {
      children.delete(child)
      if (!child.killedOnPurpose && !(code === 0 || signal === 'SIGTERM')) chaos.unexpectedExits++
    })
    children.add(child)
  }
  for (let i = 0; i < workers; i++) spawnWorker()
  const admin = new pg.Pool({ connectionString: cluster.url, max: 2 })
  admin.on('error', () => {})
  let restarted = !restart
  let round = 0
  const remaining = async () => {
    const counts = await queue.counts()
    return counts.pending + counts.delayed + counts.processing
  }
  for (;;) {
    await sleep(chaosEveryMs)
    let left
    try {
      left = await remaining()
    } catch {
      continue // the server is restarting
    }
    log(`round ${++round}: ${left} jobs left, ${children.size} workers`)
    if (left === 0) break
    if (Date.now() - started > timeoutMs) {
      for (const child of children) child.kill('SIGKILL')
      cluster.stop()
      throw new Error(`soak timed out with ${left} jobs left; chaos so far: ${JSON.stringify(chaos)}`)
    }
    const action = round % 4
    try {
      if (action === 0 && children.size > 0) {
        const victim = [...children][Math.floor(Math.random() * children.size)]
        victim.killedOnPurpose = true
        victim.kill('SIGKILL')
        chaos.kills++
        spawnWorker()
      } else if (action === 1) {
        const { rowCount } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'soak-w%' AND random() < 0.5`)
        chaos.workerBackendsTerminated += rowCount ?? 0
      } else if (action === 2) {
        const { rowCount } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'honker-listen'`)
        chaos.listenerBackendsTerminated += rowCount ?? 0
      } else if (!restarted && round >= 3) {
        restarted = true
        cluster.restart()
        chaos.restarts++
      }
    } catch (error) {
      log(`chaos step failed (expected around a restart): ${error.message}`)
    }
  }
  await Promise.all([...children].map((child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM') })))
  const counts = await queue.counts()
  const result = check(dir, jobs)
  db.close()
  await pool.end()
  await admin.end()
  cluster.stop()
  rmSync(dir, { recursive: true, force: true })
  return { jobs, workers, handlerMs, seconds: Math.round((Date.now() - started) / 1000), counts, chaos, ...result }
}

/** Read every worker's log and prove the invariants. */
function check(dir, jobs) {
  const executions = new Map()
  const errorCodes = {}
  let uncoded = 0
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue
      let entry
      try {
        entry = JSON.parse(line)
      } catch {
        continue // a line cut by kill -9
      }
      if (entry.error !== undefined) {
        if (entry.code === null) uncoded++
        errorCodes[entry.code ?? 'uncoded'] = (errorCodes[entry.code ?? 'uncoded'] ?? 0) + 1
        continue
      }
      if (!executions.has(entry.id)) executions.set(entry.id, [])
      executions.get(entry.id).push(entry)
    }
  }
  let lost = 0
  for (let id = 1; id <= jobs; id++) if (!executions.has(id)) lost++
  let duplicates = 0
  let unexplained = 0
  for (const runs of executions.values()) {
    runs.sort((a, b) => a.attempt - b.attempt)
    for (let i = 1; i < runs.length; i++) {
      duplicates++
      // A later claim can begin only once the earlier one lapsed: its expiry minus the
      // visibility timeout (4 s) is the claim time, which must be past the earlier expiry.
      if (!(runs[i].attempt > runs[i - 1].attempt && runs[i].exp - 4 > runs[i - 1].exp)) unexplained++
    }
  }
  return { executed: executions.size, lost, duplicates, unexplainedDuplicates: unexplained, errorCodes, uncodedErrors: uncoded }
}
