#!/usr/bin/env node
// pnpm bench [--drivers | --postgres] [--quick] [--only <ids>] [--runs N] [--scale F] [--out FILE] [--json FILE] [--dir DIR] [--note TEXT] [--list]
// Runs the suite and writes docs/benchmarks.md (or --out). See bench/README.md. `--drivers`
// (pnpm bench:drivers) runs the per-driver figures instead and rewrites only the doc's "Drivers"
// section; `--postgres` (pnpm bench:postgres) runs the PostgreSQL figures and rewrites only the
// "PostgreSQL" section; the main suite rewrites the rest and keeps both sections as they are.
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { CASES, DRIVER_CASES, DRIVER_ROWS, PG_CASES, targetText } from './figures.mjs'
import { runSuite } from './harness.mjs'
import { REPO_DIR } from './lib/env.mjs'
import {
  keptSections,
  parseRecordedRun,
  renderDriversSection,
  renderMarkdown,
  renderPostgresSection,
  renderSummary,
  spliceDriversSection,
  splicePostgresSection,
} from './report.mjs'

const USAGE = `Usage: pnpm bench [options]
  --drivers        the per-driver figures (pnpm bench:drivers): Honker against each SQLite library's
                   own raw ceiling, in its runtime (better-sqlite3/Node 20, node:sqlite/Node 24,
                   bun:sqlite/Bun); writes only the doc's "Drivers" section
  --postgres       the PostgreSQL figures (pnpm bench:postgres): @honker/postgres against raw pg,
                   pg-boss and graphile-worker, and the ORM adapters' enqueue against each ORM's
                   own insert, on one throwaway cluster (fsync on) started for the run; writes
                   only the doc's "PostgreSQL" section
  --quick          fewer iterations per run (a smoke check, not a record)
  --only <ids>     comma-separated figure ids or id segments (e.g. honker.enqueue,wake,claimack.1);
                   the references of the chosen figures run too
  --runs <n>       rounds; each figure's value is the median over them (default 3)
  --scale <f>      multiply every iteration count by f (default 1)
  --out <file>     markdown output (default docs/benchmarks.md at the repo root)
  --json <file>    also write the raw results as JSON
  --dir <dir>      where temp databases go (default the OS temp dir)
  --note <text>    a note printed at the top of the markdown
  --core <dir>     measure this build of @honker/core (a package directory with dist/, e.g. an
                   older commit's) instead of packages/core, for a before/after comparison
  --list           print the figure ids and exit`

const { values: args } = parseArgs({
  options: {
    drivers: { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
    out: { type: 'string' },
    json: { type: 'string' },
    dir: { type: 'string' },
    note: { type: 'string' },
    core: { type: 'string' },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (args.help) {
  console.log(USAGE)
  process.exit(0)
}
if (args.drivers && args.postgres) throw new Error('--drivers and --postgres are separate suites: pick one')
if (args.list) {
  for (const c of args.drivers ? DRIVER_CASES : args.postgres ? PG_CASES : CASES) {
    for (const f of c.figures) {
      const targets = [f, ...(f.also ?? []).map((a) => ({ ...f, ...a }))].filter((t) => t.target).map((t) => targetText(t))
      console.log(`${f.id.padEnd(28)} ${f.title}${targets.length > 0 ? `  [target ${targets.join(', ')}]` : ''}`)
    }
  }
  process.exit(0)
}
const runs = Number(args.runs)
const scale = Number(args.scale)
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer')
if (!(scale > 0)) throw new Error('--scale must be a positive number')

const out = path.resolve(args.out ?? path.join(REPO_DIR, 'docs', 'benchmarks.md'))
const suite = args.drivers ? 'drivers' : args.postgres ? 'postgres' : 'main'
const core = args.core === undefined ? undefined : path.resolve(args.core)
if (core !== undefined && !fs.existsSync(path.join(core, 'package.json'))) throw new Error(`--core ${args.core}: no package.json there`)
const report = await runSuite({ quick: args.quick, only: args.only, runs, scale, dir: args.dir, note: args.note, suite, core })
report.options.note = args.note ?? null
fs.mkdirSync(path.dirname(out), { recursive: true })
// Each suite owns its part of the doc: read what is there now, rewrite only ours.
const existing = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : ''
if (suite === 'drivers') {
  const section = renderDriversSection(report, { recorded: parseRecordedRun(existing), rows: DRIVER_ROWS })
  fs.writeFileSync(out, spliceDriversSection(existing, section))
} else if (suite === 'postgres') {
  fs.writeFileSync(out, splicePostgresSection(existing, renderPostgresSection(report)))
} else {
  fs.writeFileSync(out, renderMarkdown(report) + '\n' + keptSections(existing).map((kept) => `\n${kept}\n`).join(''))
}
if (args.json) fs.writeFileSync(path.resolve(args.json), JSON.stringify(report, null, 2) + '\n')
console.log('')
console.log(renderSummary(report))
console.log(`\nwrote ${out} (${Math.round(report.durationS)} s)`)
