/**
 * liteque (npm): a drizzle-orm queue on better-sqlite3. Its `buildDBClient` opens the file; the
 * underlying handle then gets Honker's connection settings so only the code differs.
 */
import { createRequire } from 'node:module'
import { Runner, SqliteQueue, buildDBClient } from 'liteque'
import { completion, throughputAsync } from '../lib/measure.mjs'
import { skip } from '../lib/skip.mjs'
import { applyPragmas, freshPath } from '../lib/sqlite.mjs'

const noop = async () => {}

function betterSqlite3Version() {
  return createRequire(import.meta.url)('better-sqlite3/package.json').version
}

function openQueue(workDir, name) {
  const db = buildDBClient(freshPath(workDir, name), { runMigrations: true })
  const handle = db.session?.client
  if (handle === undefined || typeof handle.pragma !== 'function') {
    throw new Error('liteque: cannot reach the better-sqlite3 handle behind drizzle to apply the shared settings')
  }
  applyPragmas(handle)
  const queue = new SqliteQueue('bench', db, { defaultJobArgs: { numRetries: 2 }, keepFailedJobs: false })
  return { queue, close: () => handle.close() }
}

/** `await queue.enqueue(payload)`: one insert per job. */
export async function enqueue1({ workDir, units }) {
  const { queue, close } = openQueue(workDir, 'liteque-enqueue-1')
  let i = 0
  const result = await throughputAsync(async () => {
    await queue.enqueue({ i: i++ })
    return 1
  }, { units })
  close()
  return result
}

/**
 * A liteque Runner with `concurrency` draining `jobs` jobs. pollIntervalMs is 10 (the README shows
 * 1000) so its idle sleep while the last jobs are in flight does not dominate the tail.
 */
export async function e2e({ workDir, jobs, concurrency, timeoutMs = 300_000 }) {
  const { queue, close } = openQueue(workDir, `liteque-e2e-c${concurrency}`)
  for (let i = 0; i < jobs; i++) await queue.enqueue({ i })
  const finished = completion(timeoutMs, `${jobs} liteque completions`)
  let completed = 0
  let failed = 0
  let endAt = 0
  const settle = () => {
    if (completed + failed === jobs) finished.done()
  }
  const runner = new Runner(
    queue,
    {
      run: noop,
      onComplete: async () => {
        if (++completed === jobs) endAt = performance.now()
        settle()
      },
      onError: async () => {
        failed++
        settle()
      },
    },
    { concurrency, pollIntervalMs: 10, timeoutSecs: 60 },
  )
  const start = performance.now()
  let crashed = null
  const running = runner.runUntilEmpty().catch((error) => {
    crashed = error
    finished.done()
  })
  await finished.promise
  await running
  if (crashed !== null) {
    close()
    if (/cannot return a promise/.test(String(crashed?.message))) {
      skip(
        'liteque 0.8.0 dequeues inside `db.transaction(async (txn) => ...)`; drizzle 0.33 hands that callback to ' +
          `better-sqlite3's synchronous transaction, and better-sqlite3 ${betterSqlite3Version()} (this repo's) rejects it with ` +
          "'Transaction function cannot return a promise', so its Runner cannot process a single job here",
      )
    }
    throw crashed
  }
  close()
  if (failed > 0) throw new Error(`${failed} liteque jobs failed`)
  return { value: (jobs * 1000) / (endAt - start), units: jobs, elapsedMs: endAt - start }
}
