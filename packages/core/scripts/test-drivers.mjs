// Core's whole suite, once per driver, each in its own runtime: better-sqlite3 and libsql on this
// Node, node:sqlite on Node 24 and bun:sqlite on Bun (runtimes from npm, scripts/runtimes.mjs at the
// repository root). HONKER_DRIVER makes every open(path) of the run, and the raw handles the
// tests read with (test/support/raw-sqlite.mjs), use that driver, so each process holds one SQLite
// copy. Every run goes ahead even if an earlier one failed; the exit code is 1 if any failed.
// Extra arguments go to vitest (a file filter, -t ...).
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureRuntimes } from '../../../scripts/runtimes.mjs'

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
const runtimes = ensureRuntimes()
const runs = [
  { driver: 'better-sqlite3', command: process.execPath, args: [] },
  { driver: 'node:sqlite', command: runtimes.node24, args: [] },
  // --bun: run vitest itself on Bun's runtime, not on the node its shebang names.
  { driver: 'bun:sqlite', command: runtimes.bun, args: ['--bun'] },
  // libsql (the native module under @libsql/client's file: URLs) on the same Node as better-sqlite3.
  { driver: 'libsql', command: process.execPath, args: [] },
]
const only = process.env.HONKER_DRIVERS?.split(',')
let failed = 0
for (const run of runs) {
  if (only !== undefined && !only.includes(run.driver)) continue
  console.log(`\n== core on ${run.driver} (${path.basename(run.command)})\n`)
  const env = { ...process.env }
  // The default run is better-sqlite3's and also runs test/drivers.test.ts (every runtime at once).
  if (run.driver === 'better-sqlite3') delete env.HONKER_DRIVER
  else env.HONKER_DRIVER = run.driver
  const result = spawnSync(run.command, [...run.args, vitest, 'run', ...process.argv.slice(2)], { cwd: packageDir, env, stdio: 'inherit' })
  if (result.status !== 0) {
    failed++
    console.log(`core on ${run.driver}: vitest exited with ${result.status ?? result.signal}`)
  }
}
process.exit(failed > 0 ? 1 : 0)
