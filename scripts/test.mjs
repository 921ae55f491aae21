// The README's test command: every package's tests one task at a time (they time real processes
// on a 2-core machine), then the summary, which runs even when a task failed so that the end of
// the log names the failed tests. Old reports are removed first so none can stand in for a
// package whose tests did not run this time. The other runtimes the driver suites need are
// installed first (scripts/runtimes.mjs), PostgreSQL (scripts/postgres.mjs) and Chromium
// (scripts/chromium.mjs).
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { ensureChromium } from './chromium.mjs'
import { ensurePostgres } from './postgres.mjs'
import { ensureRuntimes } from './runtimes.mjs'
import { reportFiles, summarize } from './test-summary.mjs'

// Node 24 and Bun for the per-driver suites, from npm, PostgreSQL's binaries for the Postgres
// engine's suite and Chromium for the dashboard's browser tests (apt), before any test needs them.
ensureRuntimes()
ensurePostgres()
ensureChromium()

for (const file of reportFiles()) rmSync(file, { force: true })
const turbo = spawnSync('turbo', ['run', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)], {
  stdio: 'inherit',
})
if (turbo.error) throw turbo.error
console.log('')
const summary = summarize()
if (turbo.status !== 0) console.log(`turbo exited with ${turbo.status ?? turbo.signal}: see its "Failed:" list above`)
process.exit(turbo.status !== 0 ? 1 : summary)
