// Smoke test of the benchmark harness: a tiny real run (quick sizes scaled down, enqueue figures
// only, which never need Redis or the honker native module) must produce numbers, ratios and a
// markdown report. No assertion is about speed.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { CASES, DRIVER_CASES, DRIVER_FIGURES, DRIVER_ROWS, DRIVERS, FIGURES, PG_CASES, PG_FIGURES, selectCases, sizesFor } from '../src/figures.mjs'
import { median, percentile } from '../src/lib/stats.mjs'
import {
  DRIVERS_END,
  DRIVERS_START,
  POSTGRES_END,
  POSTGRES_START,
  extractDriversSection,
  extractPostgresSection,
  keptSections,
  parseRecordedRun,
  spliceDriversSection,
  splicePostgresSection,
} from '../src/report.mjs'

const run = promisify(execFile)
const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'honker-bench-smoke-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('harness', () => {
  it('runs the enqueue figures and writes a markdown report with medians and ratios', async () => {
    const out = path.join(tmp, 'benchmarks.md')
    const json = path.join(tmp, 'benchmarks.json')
    // A doc with a per-driver and a PostgreSQL section: the main suite rewrites the rest and keeps both.
    const driversSection = `${DRIVERS_START}\n## Drivers\n\nkept\n${DRIVERS_END}`
    const postgresSection = `${POSTGRES_START}\n## PostgreSQL\n\nkept too\n${POSTGRES_END}`
    fs.writeFileSync(out, `# Benchmarks\n\nold main part\n\n${driversSection}\n\n${postgresSection}\n`)
    const { stdout } = await run(
      process.execPath,
      ['src/run.mjs', '--quick', '--only', 'honker.enqueue', '--scale', '0.1', '--runs', '3', '--out', out, '--json', json, '--dir', tmp],
      { cwd: BENCH, timeout: 50_000 },
    )
    expect(stdout).toContain(`wrote ${out}`)

    const report = JSON.parse(fs.readFileSync(json, 'utf8'))
    const ids = report.figures.map((f) => f.id).sort()
    // The honker figures plus the raw references their ratios need, and nothing else.
    expect(ids).toEqual(['honker.enqueue.1', 'honker.enqueue.100', 'honker.enqueue.unique', 'raw.insert.1', 'raw.insert.100'])
    for (const figure of report.figures) {
      expect(figure.errors).toEqual([])
      expect(figure.values).toHaveLength(3)
      for (const value of figure.values) expect(value).toBeGreaterThan(0)
      expect(figure.median).toBe(median(figure.values))
    }
    const enqueue = report.figures.find((f) => f.id === 'honker.enqueue.1')
    expect(enqueue.ratio).toBeGreaterThan(0)
    expect(['pass', 'miss']).toContain(enqueue.status)
    expect(report.env.sqlite).toMatch(/^\d+\.\d+\.\d+$/)
    expect(report.env.cores).toBeGreaterThan(0)

    const markdown = fs.readFileSync(out, 'utf8')
    expect(markdown).toMatch(/^# Benchmarks/)
    expect(markdown).toContain('## Environment')
    expect(markdown).toContain('## Targets')
    expect(markdown).toMatch(/\| Honker `queue\.enqueue`, 1 per transaction \| `honker\.enqueue\.1` \| [\d,]+ jobs\/s \| [\d,]+ \/ [\d,]+ \/ [\d,]+ \| \d+\.\d\d× \|/)
    expect(markdown).toContain(`SQLite (better-sqlite3) | ${report.env.sqlite}`)
    expect(markdown).toMatch(/\| Connection settings \(all SQLite figures\) \| journal_mode = WAL, synchronous = NORMAL, busy_timeout = 5000,/)
    expect(markdown).not.toContain('old main part')
    expect(extractDriversSection(markdown)).toBe(driversSection)
    expect(extractPostgresSection(markdown)).toBe(postgresSection)
  })

  it('runs PostgreSQL figures (Honker, one ORM adapter) on a throwaway cluster and writes only the PostgreSQL section', async () => {
    const out = path.join(tmp, 'postgres.md')
    const json = path.join(tmp, 'postgres.json')
    const driversSection = `${DRIVERS_START}\n## Drivers\n\nuntouched\n${DRIVERS_END}`
    const before = `# Benchmarks\n\nthe main suite's part\n\n${driversSection}\n`
    fs.writeFileSync(out, before)
    // One Honker figure and one adapter figure at a tiny size (their references run with them), one round.
    await run(
      process.execPath,
      ['src/run.mjs', '--postgres', '--quick', '--only', 'pg.honker.enqueue.1,pg.adapter.kysely.enqueue.1', '--scale', '0.25', '--runs', '1', '--out', out, '--json', json, '--dir', tmp],
      { cwd: BENCH, timeout: 50_000 },
    )
    const report = JSON.parse(fs.readFileSync(json, 'utf8'))
    expect(report.figures.map((f) => f.id).sort()).toEqual(['pg.adapter.kysely.enqueue.1', 'pg.honker.enqueue.1', 'pg.orm.kysely.insert.1', 'pg.raw.insert.1'])
    for (const figure of report.figures) {
      expect(figure.skip, figure.id).toBeNull()
      expect(figure.errors, figure.id).toEqual([])
      expect(figure.median, figure.id).toBeGreaterThan(0)
    }
    const honker = report.figures.find((f) => f.id === 'pg.honker.enqueue.1')
    expect(honker.ratio).toBeGreaterThan(0)
    expect(['pass', 'miss']).toContain(honker.status)
    // The adapter against the ORM's own insert of the same row: adapter cost ≤ 1.1×, as a ratio of jobs/s.
    const adapter = report.figures.find((f) => f.id === 'pg.adapter.kysely.enqueue.1')
    expect([adapter.ref, adapter.target.ratioMin]).toEqual(['pg.orm.kysely.insert.1', 1 / 1.1])
    expect(adapter.ratio).toBeGreaterThan(0)
    expect(['pass', 'miss']).toContain(adapter.status)
    // The one cluster of the run had fsync on, and the doc says so.
    expect(report.env.postgres.settings.fsync).toBe('on')
    expect(report.env.postgres.version).toMatch(/^\d+\.\d+/)

    const markdown = fs.readFileSync(out, 'utf8')
    // Everything outside the section is byte for byte what was there; the section was appended.
    const section = extractPostgresSection(markdown)
    expect(markdown).toBe(`${before}\n${section}\n`)
    expect(section).toContain('## PostgreSQL')
    expect(section).toMatch(/\| Server settings \| fsync = on, synchronous_commit = on,/)
    expect(section).toMatch(/\| Honker `await queue\.enqueue`, 1 per transaction \| ≥ 0\.8× `pg\.raw\.insert\.1` \| [\d,]+ jobs\/s \| \d+\.\d\d× \|/)
    expect(section).toMatch(/\| kysely \| 1 \| [\d,]+ jobs\/s \| [\d,]+ jobs\/s \| \d+\.\d\d× \| \d+\.\d\d× \| \*\*(pass|MISS)\*\* \|/)
  })

  it('runs the per-driver enqueue figures, each driver in its own runtime, and writes only the Drivers section', async () => {
    const out = path.join(tmp, 'drivers.md')
    const json = path.join(tmp, 'drivers.json')
    const mainPart = '# Benchmarks\n\nthe main suite\'s part\n'
    fs.writeFileSync(out, mainPart)
    await run(
      process.execPath,
      ['src/run.mjs', '--drivers', '--quick', '--only', 'enqueue', '--scale', '0.1', '--runs', '1', '--out', out, '--json', json, '--dir', tmp],
      { cwd: BENCH, timeout: 50_000 },
    )
    const report = JSON.parse(fs.readFileSync(json, 'utf8'))
    const rows = ['raw.insert.1', 'honker.enqueue.1', 'raw.insert.100', 'honker.enqueue.100']
    expect(report.figures.map((f) => f.id).sort()).toEqual(DRIVERS.flatMap((d) => rows.map((r) => `drivers.${d.tag}.${r}`)).sort())
    for (const figure of report.figures) {
      expect(figure.errors, figure.id).toEqual([])
      expect(figure.median, figure.id).toBeGreaterThan(0)
      if (figure.row.startsWith('honker.')) expect(figure.ratio, figure.id).toBeGreaterThan(0)
    }
    // Each driver ran in its runtime: better-sqlite3 in this Node, node:sqlite in Node 24, bun:sqlite in Bun.
    const probes = Object.fromEntries(report.env.drivers.map((p) => [p.driver, p]))
    expect(probes['better-sqlite3'].runtime).toBe(`Node ${process.version}`)
    expect(probes['node:sqlite'].runtime).toMatch(/^Node v24\./)
    expect(probes['bun:sqlite'].runtime).toMatch(/^Bun \d/)
    for (const p of Object.values(probes)) expect(p.sqlite).toMatch(/^\d+\.\d+\.\d+$/)

    const markdown = fs.readFileSync(out, 'utf8')
    expect(markdown.startsWith(mainPart)).toBe(true)
    const section = extractDriversSection(markdown)
    expect(section).toContain('## Drivers')
    expect(section).toMatch(/\| Honker `queue\.enqueue`, 1 per transaction \| ≥ 0\.9× `raw\.insert\.1` \| [\d,]+ jobs\/s \| \d+\.\d\d× \|/)
    expect(section).toContain(`node:sqlite | Node v24.`)
  })

  it('defines every per-driver row for every driver, with references inside the same driver', () => {
    expect(DRIVER_FIGURES).toHaveLength(DRIVERS.length * DRIVER_ROWS.length)
    const ids = new Set(DRIVER_FIGURES.map((f) => f.id))
    for (const figure of DRIVER_FIGURES) {
      const driver = DRIVERS.find((d) => d.name === figure.driver)
      expect(figure.id.startsWith(`drivers.${driver.tag}.`), figure.id).toBe(true)
      if (figure.ref !== undefined) {
        expect(ids.has(figure.ref), figure.ref).toBe(true)
        expect(figure.ref.startsWith(`drivers.${driver.tag}.`), figure.ref).toBe(true)
      }
      if (figure.target?.ratioMin !== undefined) expect(figure.ref).toBeDefined()
    }
    expect(DRIVER_CASES.every((c) => typeof c.params(sizesFor({ quick: true }), 1) === 'object')).toBe(true)
    // Selecting one driver's Honker figure brings its own raw reference, not another driver's.
    expect(selectCases('bun-sqlite.honker.claimack.1', DRIVER_CASES).map((c) => c.id).sort()).toEqual(
      ['drivers.bun-sqlite.honker.claimack.1', 'drivers.bun-sqlite.raw.claimack.1'],
    )
  })

  it('defines the PostgreSQL figures with resolvable references and targets on Honker', () => {
    const ids = new Set(PG_FIGURES.map((f) => f.id))
    expect(ids.size).toBe(PG_FIGURES.length)
    for (const figure of PG_FIGURES) {
      expect(figure.id.startsWith('pg.'), figure.id).toBe(true)
      for (const ref of [figure.ref, ...(figure.also ?? []).map((a) => a.ref)]) if (ref !== undefined) expect(ids.has(ref), `${figure.id} -> ${ref}`).toBe(true)
      // Targets are on Honker, and on the ORM adapters against their ORM's own insert.
      if (figure.target !== undefined) expect(figure.system === 'honker' || figure.ref === figure.id.replace(/^pg\.adapter\.(\w+)\.enqueue/, 'pg.orm.$1.insert'), figure.id).toBe(true)
    }
    // The worker targets: graphile-worker and pg-boss at the same concurrency and process count.
    const work = PG_FIGURES.find((f) => f.id === 'pg.honker.work.c8.p4')
    expect([work.ref, work.target]).toEqual(['pg.graphile.work.c8.p4', { ratioMin: 1.5 }])
    expect(work.also).toEqual([{ ref: 'pg.pgboss.work.c8.p4', target: { ratioMin: 5 } }])
    expect(selectCases('pg.honker.work.c1.p1', PG_CASES).map((c) => c.id).sort()).toEqual(
      ['pg.graphile.work.c1.p1', 'pg.honker.work.c1.p1', 'pg.pgboss.work.c1.p1'],
    )
    expect(PG_CASES.every((c) => c.postgres === true && typeof c.params(sizesFor({ quick: true }), 1) === 'object')).toBe(true)
  })

  it('splices the PostgreSQL section without touching the rest of the doc', () => {
    const drivers = `${DRIVERS_START}\n## Drivers\nd\n${DRIVERS_END}`
    const section = `${POSTGRES_START}\n## PostgreSQL\nnew\n${POSTGRES_END}`
    const doc = `# Benchmarks\n\nmain\n\n${drivers}\n`
    const withSection = splicePostgresSection(doc, section)
    expect(withSection).toBe(`${doc}\n${section}\n`)
    const replaced = splicePostgresSection(withSection, section.replace('new', 'newer'))
    expect(replaced).toBe(`${doc}\n${section.replace('new', 'newer')}\n`)
    expect(keptSections(replaced)).toEqual([drivers, section.replace('new', 'newer')])
    // The drivers suite's splice leaves the PostgreSQL section alone.
    expect(extractPostgresSection(spliceDriversSection(replaced, drivers.replace('d\n', 'e\n')))).toBe(section.replace('new', 'newer'))
  })

  it('splices the Drivers section into a doc and reads a recorded run back', () => {
    const section = `${DRIVERS_START}\n## Drivers\nnew\n${DRIVERS_END}`
    expect(spliceDriversSection('', section)).toBe(`# Benchmarks\n\n${section}\n`)
    const doc = `# Benchmarks\n\n| Date | 2026-01-01 |\n\n| x | \`honker.enqueue.1\` | 46,534 jobs/s | 1 / 2 / 3 | 0.96× | \`raw.insert.1\` |\n`
    const withSection = spliceDriversSection(doc, section)
    expect(withSection.startsWith(doc.trimEnd())).toBe(true)
    const replaced = spliceDriversSection(withSection, section.replace('new', 'newer'))
    expect(replaced).toContain('newer')
    expect(replaced.match(/## Drivers/g)).toHaveLength(1)
    const recorded = parseRecordedRun(replaced)
    expect(recorded.date).toBe('2026-01-01')
    expect(recorded.figures.get('honker.enqueue.1')).toEqual({ median: 46534, ratio: 0.96 })
    expect(parseRecordedRun('# nothing')).toBeNull()
  })

  it("runs the enqueue figures of every ORM adapter and of each ORM's own insert (Prisma client generated offline)", async () => {
    const out = path.join(tmp, 'adapters.md')
    const json = path.join(tmp, 'adapters.json')
    await run(
      process.execPath,
      ['src/run.mjs', '--quick', '--only', 'adapter,orm', '--scale', '0.1', '--runs', '1', '--out', out, '--json', json, '--dir', tmp],
      { cwd: BENCH, timeout: 50_000 },
    )
    const report = JSON.parse(fs.readFileSync(json, 'utf8'))
    const adapters = ['drizzle', 'kysely', 'prisma'].flatMap((orm) => [1, 100].map((n) => `adapter.${orm}.enqueue.${n}`))
    const ormInserts = adapters.map((id) => id.replace(/^adapter\.(\w+)\.enqueue/, 'orm.$1.insert'))
    expect(report.figures.map((f) => f.id).sort()).toEqual([...adapters, ...ormInserts, 'raw.insert.1', 'raw.insert.100'].sort())
    for (const figure of report.figures) {
      expect(figure.errors, figure.id).toEqual([])
      expect(figure.skip, figure.id).toBeNull()
      expect(figure.median, figure.id).toBeGreaterThan(0)
      if (figure.id.startsWith('adapter.')) {
        expect(figure.ref).toBe(`raw.insert.${figure.id.split('.').pop()}`)
        expect(figure.ratio, figure.id).toBeGreaterThan(0)
        expect(figure.target).toBeUndefined()
      }
      if (figure.id.startsWith('orm.')) expect(figure.ref).toBe(figure.id.replace(/^orm\.(\w+)\.insert/, 'adapter.$1.enqueue'))
    }
    expect(fs.readFileSync(out, 'utf8')).toMatch(/\| `adapter\.prisma\.enqueue\.1` \| [\d,]+ jobs\/s \|/)
  })

  it('has a target and a resolvable reference wherever a ratio is promised', () => {
    const ids = new Set(FIGURES.map((f) => f.id))
    expect(ids.size).toBe(FIGURES.length)
    for (const figure of FIGURES) {
      if (figure.ref !== undefined) expect(ids.has(figure.ref), `${figure.id} -> ${figure.ref}`).toBe(true)
      if (figure.target?.ratioMin !== undefined) expect(figure.ref, figure.id).toBeDefined()
    }
    const selected = selectCases('honker.work.c1.p1').map((c) => c.id)
    expect(selected).toContain('plainjob.e2e.c1')
    expect(selectCases('no-such-figure')).toEqual([])
    const claims = selectCases('claimack.1').map((c) => c.id)
    expect(claims).toContain('honker.claimack.1.b100k')
    expect(claims).not.toContain('honker.claimack.128')
    expect(CASES.every((c) => typeof c.params(sizesFor({ quick: true }), 1) === 'object')).toBe(true)
  })

  it('summarises with order-free statistics', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNull()
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile([5], 99)).toBe(5)
  })
})
