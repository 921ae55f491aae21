import { PG_TOPICS, TOPICS, targetText } from './figures.mjs'

const SYSTEM_ORDER = ['raw', 'honker', 'drizzle', 'kysely', 'prisma', 'native', 'plainjob', 'liteque', 'bullmq', 'graphile', 'pgboss']

export function formatNumber(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  return Number(value.toPrecision(3)).toString()
}

function formatRatio(ratio) {
  return ratio === null || ratio === undefined ? '' : `${ratio.toFixed(2)}×`
}

function cell(text) {
  return String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function statusText(figure) {
  if (figure.status === 'pass') return '**pass**'
  if (figure.status === 'miss') return '**MISS**'
  if (figure.status === 'n/a') return 'n/a'
  return ''
}

function valueText(figure) {
  if (figure.median !== null) return `${formatNumber(figure.median)} ${figure.unit}`
  if (figure.skip) return 'skipped'
  if (figure.errors.length > 0) return 'error'
  return '—'
}

function runsText(figure) {
  if (figure.skip) return ''
  return figure.values.map((v) => (v === null ? 'err' : formatNumber(v))).join(' / ')
}

const REBUILT_NOTE =
  'packages/core/dist was rebuilt during this run (other work in the workspace); every round measured the copy of the build taken at the start.'

function coreText(env) {
  const which = env.coreOverride ? ` built in ${env.coreOverride} (--core)` : env.commit ? ` at ${env.commit}` : ''
  return `${env.honkerCore ?? '?'}${which}${env.coreBuiltAt ? `; dist built ${env.coreBuiltAt}, copied at the start of the run` : ''}`
}

function envTable(report) {
  const { env, options, durationS } = report
  const rows = [
    ['Date', env.date],
    ['Machine', `${env.cpuModel}, ${env.cores} cores, ${env.memoryGiB.toFixed(1)} GiB RAM`],
    ['Load average 1/5/15 min, start → end', `${env.loadAverage.map((x) => x.toFixed(2)).join(' ')} → ${env.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')}`],
    ['OS', env.kernel],
    ['Temp databases', `fresh file per run under the OS temp dir (${env.tempFs})`],
    ['Node', env.node],
    ['SQLite (better-sqlite3)', env.sqlite],
    ['better-sqlite3', env.betterSqlite3],
    ['@honker/core', coreText(env)],
  ]
  if (env.native !== undefined) {
    rows.push([
      'honker native (`@russellthehippo/honker-node-linux-x64-gnu`)',
      env.native ? `${env.native.version}, linked system SQLite ${env.native.sqliteVersion}` : `not run: ${env.nativeReason}`,
    ])
  }
  rows.push(['plainjob / liteque', `${env.plainjob ?? '—'} / ${env.liteque ?? '—'}`])
  rows.push([
    'drizzle-orm / kysely / Prisma (CLI, @prisma/client, adapter-better-sqlite3)',
    `${env.drizzleOrm ?? '—'} / ${env.kysely ?? '—'} / ${env.prisma ?? '—'}, ${env.prismaClient ?? '—'}, ${env.prismaAdapter ?? '—'}`,
  ])
  rows.push([
    'BullMQ / ioredis / Redis',
    `${env.bullmq ?? '—'} / ${env.ioredis ?? '—'} / ${env.redis ?? 'not installed'}${env.redisReason ? ` (not run: ${env.redisReason})` : ''}`,
  ])
  rows.push(['Connection settings (all SQLite figures)', (env.pragmas ?? []).join(', ')])
  rows.push([
    'Run',
    `${options.runs} round${options.runs === 1 ? '' : 's'}, ${options.quick ? 'quick' : 'full'} sizes${options.scale !== 1 ? ` × ${options.scale}` : ''}` +
      `${options.only ? `, --only ${options.only}` : ''}; ${Math.round(durationS)} s`,
  ])
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`)].join('\n')
}

function targetsTable(figures) {
  const targets = targetRows(figures)
  if (targets.length === 0) return null
  const lines = ['| figure | target | median | ratio | result |', '|---|---|---:|---:|---|']
  for (const t of targets) {
    lines.push(`| ${cell(t.figure.title)} | ${cell(targetText({ ...t.figure, ref: t.ref, target: t.target }))} | ${cell(valueText(t.figure))} | ${formatRatio(t.ratio)} | ${statusText(t)} |`)
  }
  return lines.join('\n')
}

function topicTable(figures) {
  const lines = ['| figure | id | median | runs | ratio | vs | target | result | setup per run |', '|---|---|---:|---|---:|---|---|---|---|']
  const sorted = [...figures].sort((a, b) => SYSTEM_ORDER.indexOf(a.system) - SYSTEM_ORDER.indexOf(b.system))
  for (const f of sorted) {
    lines.push(
      `| ${cell(f.title)} | \`${f.id}\` | ${cell(valueText(f))} | ${cell(runsText(f))} | ${formatRatio(f.ratio)} | ${f.ref ? `\`${f.ref}\`` : ''} | ${cell(targetText(f))} | ${statusText(f)} | ${cell(f.setup)} |`,
    )
    // A figure's further (reference, target) pairs, each on a row of its own under it.
    for (const a of f.also ?? []) {
      lines.push(`| | | | | ${formatRatio(a.ratio)} | \`${a.ref}\` | ${cell(targetText({ ...f, ref: a.ref, target: a.target }))} | ${statusText(a)} | |`)
    }
  }
  return lines.join('\n')
}

/** The whole docs/benchmarks.md. */
export function renderMarkdown(report) {
  const { env, options, figures } = report
  const out = []
  out.push('# Benchmarks')
  out.push('')
  out.push(
    'Generated by `pnpm bench` (`bench/src/run.mjs`); do not edit by hand. Every figure is the **median** of ' +
      `${options.runs} run${options.runs === 1 ? '' : 's'}; every run is a fresh Node process on a fresh temp-file database, ` +
      'after an untimed warm-up. Runs go round-robin over all figures, so a figure and its reference are measured in the same round; ' +
      '**ratio** is the median over rounds of (figure ÷ reference from that round). What each figure measures and how to reproduce it: ' +
      '[bench/README.md](../bench/README.md).',
  )
  out.push('')
  const warnings = []
  if (options.note) warnings.push(options.note)
  if (options.quick) warnings.push('Quick run (fewer iterations): a smoke check, not a record.')
  if (options.runs < 3) warnings.push(`Only ${options.runs} run(s) per figure: medians of fewer than 3 runs are not a valid record.`)
  if (env.coreBuildWarning) warnings.push(env.coreBuildWarning)
  if (env.adapterBuildWarning) warnings.push(env.adapterBuildWarning)
  if (env.distRebuiltDuringRun) warnings.push(REBUILT_NOTE)
  for (const w of warnings) out.push(`> **Note:** ${w}`, '>')
  if (warnings.length > 0) out.splice(out.length - 1, 1, '')
  out.push('## Environment', '', envTable(report), '')
  const targets = targetsTable(figures)
  if (targets) out.push('## Targets', '', targets, '')
  for (const [topic, title] of TOPICS) {
    const inTopic = figures.filter((f) => f.topic === topic)
    if (inTopic.length === 0) continue
    out.push(`## ${title}`, '', topicTable(inTopic), '')
  }
  const notRun = figures.filter((f) => f.skip || f.errors.length > 0)
  if (notRun.length > 0) {
    out.push('## Skipped and failed', '')
    const seen = new Set()
    for (const f of notRun) {
      const key = `${f.caseId}`
      if (seen.has(key)) continue
      seen.add(key)
      if (f.skip) out.push(`- \`${f.caseId}\`: skipped — ${f.skip}`)
      for (const e of new Set(f.errors)) out.push(`- \`${f.caseId}\`: error — ${cell(e)}`)
    }
    out.push('')
  }
  return out.join('\n')
}

/** A compact plain-text table for the terminal. */
export function renderSummary(report) {
  const rows = report.figures.flatMap((f) => [
    [f.id, valueText(f), formatRatio(f.ratio), f.ref ?? '', f.status ?? ''],
    ...(f.also ?? []).map((a) => ['', '', formatRatio(a.ratio), a.ref, a.status ?? '']),
  ])
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i].length), 4))
  return rows.map((r) => r.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')).join('\n')
}

// --- per-driver figures (`pnpm bench:drivers`): one section of docs/benchmarks.md ---

/** The per-driver section sits between these markers, so each command rewrites only its own part. */
export const DRIVERS_START = '<!-- bench:drivers:start (written by `pnpm bench:drivers`) -->'
export const DRIVERS_END = '<!-- bench:drivers:end -->'

/** The PostgreSQL section (`pnpm bench:postgres`) sits between these. */
export const POSTGRES_START = '<!-- bench:postgres:start (written by `pnpm bench:postgres`) -->'
export const POSTGRES_END = '<!-- bench:postgres:end -->'

/** The part of `doc` between `start` and `end` (markers included), or null. */
function extractSection(doc, start, end) {
  const from = doc.indexOf(start)
  const to = doc.indexOf(end)
  if (from < 0 || to < from) return null
  return doc.slice(from, to + end.length)
}

/** `doc` with the part between `start` and `end` replaced by `section` (appended when it has none). */
function spliceSection(doc, section, start, end) {
  const old = extractSection(doc, start, end)
  if (old !== null) return doc.replace(old, () => section)
  const base = doc.trim() === '' ? '# Benchmarks\n' : doc
  return `${base.replace(/\n*$/, '')}\n\n${section}\n`
}

/** The per-driver section of a doc (markers included), or null. */
export function extractDriversSection(doc) {
  return extractSection(doc, DRIVERS_START, DRIVERS_END)
}

/** `doc` with its per-driver section replaced by `section` (appended when it has none). */
export function spliceDriversSection(doc, section) {
  return spliceSection(doc, section, DRIVERS_START, DRIVERS_END)
}

/** The PostgreSQL section of a doc (markers included), or null. */
export function extractPostgresSection(doc) {
  return extractSection(doc, POSTGRES_START, POSTGRES_END)
}

/** `doc` with its PostgreSQL section replaced by `section` (appended when it has none); the rest untouched. */
export function splicePostgresSection(doc, section) {
  return spliceSection(doc, section, POSTGRES_START, POSTGRES_END)
}

/** The sections other commands own, in the order they stand in `doc` (each null when absent). */
export function keptSections(doc) {
  return [extractDriversSection(doc), extractPostgresSection(doc)].filter((x) => x !== null)
}

/**
 * From a doc written by `pnpm bench`: its date, commit, load average and, per figure id, the median
 * and ratio of that recorded run (parsed from the topic tables), or null without such a run.
 */
export function parseRecordedRun(doc) {
  let main = doc
  for (const section of keptSections(doc)) main = main.replace(section, '')
  const envValue = (key) => new RegExp(`^\\| ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\| (.+?) \\|$`, 'm').exec(main)?.[1] ?? null
  const figures = new Map()
  const row = /^\| .+? \| `([\w.-]+)` \| ([\d,.]+) [^|]*\| [^|]*\| (?:([\d.]+)×)? *\|/gm
  for (let m; (m = row.exec(main)) !== null; ) {
    figures.set(m[1], { median: Number(m[2].replace(/,/g, '')), ratio: m[3] === undefined ? null : Number(m[3]) })
  }
  if (figures.size === 0) return null
  return {
    date: envValue('Date'),
    core: envValue('@honker/core'),
    load: envValue('Load average 1/5/15 min, start → end'),
    run: envValue('Run'),
    figures,
  }
}

/** The main suite's id of a better-sqlite3 per-driver row, for the comparison with the last full run. */
const MAIN_IDS = {
  'raw.insert.1': 'raw.insert.1',
  'honker.enqueue.1': 'honker.enqueue.1',
  'raw.insert.100': 'raw.insert.100',
  'honker.enqueue.100': 'honker.enqueue.100',
  'raw.claimack.1': 'raw.claimack.1',
  'honker.claimack.1': 'honker.claimack.1',
  'raw.claimack.128': 'raw.claimack.128',
  'honker.claimack.128': 'honker.claimack.128',
  'honker.work.c1': 'honker.work.c1.p1',
  'honker.work.c8': 'honker.work.c8.p1',
  'honker.wake.p50': 'honker.wake.events.p50',
  'honker.wake.p99': 'honker.wake.events.p99',
  'honker.idle': 'honker.idle.events',
}

function pct(now, before) {
  if (now === null || before === null || !(before > 0)) return ''
  const change = (now / before - 1) * 100
  return `${change >= 0 ? '+' : ''}${change.toFixed(0)} %`
}

function driverColumnName(probe) {
  return `${probe.driver}${probe.runtime ? ` (${probe.runtime})` : ''}`
}

/** The "## Drivers" section (between the markers) of a `--drivers` report. */
export function renderDriversSection(report, { recorded = null, rows = [] } = {}) {
  const { env, options, figures, durationS } = report
  const probes = env.drivers ?? []
  const byRow = new Map()
  for (const f of figures) byRow.set(`${f.driver} ${f.row}`, f)
  const out = [DRIVERS_START, '## Drivers', '']
  out.push(
    'Generated by `pnpm bench:drivers` (`bench/src/run.mjs --drivers`); do not edit by hand (`pnpm bench` keeps this section as it is). ' +
      'For each SQLite library @honker/core drives, Honker against **that library’s own raw ceiling**, in that library’s runtime: ' +
      'every run is a fresh process of the runtime (better-sqlite3 in Node 20, node:sqlite in Node 24, bun:sqlite in Bun) with ' +
      '`HONKER_DRIVER` set, on a fresh temp file. The raw figures open the file with the library’s own API (`new Database`, ' +
      '`new DatabaseSync`, bun’s `new Database`) after `open()` created Honker’s tables, apply the same connection settings and run ' +
      'the same hand-written SQL as the main suite’s raw figures (`bench/src/lib/sql.mjs`), calling the library’s statements directly ' +
      '(`db.transaction(fn).immediate` for better-sqlite3 and bun:sqlite, prepared `BEGIN IMMEDIATE`/`COMMIT` for node:sqlite, which has no ' +
      'transaction helper). Worker and wake figures run the producer and the worker as two processes of the same runtime and driver. ' +
      `Every value is the **median** of ${options.runs} round${options.runs === 1 ? '' : 's'} (round-robin over all figures); ` +
      '**× raw** is the median over rounds of (Honker ÷ the same driver’s raw figure from that round).',
  )
  out.push('')
  const notes = []
  if (options.note) notes.push(options.note)
  if (options.quick) notes.push('Quick run (fewer iterations): a smoke check, not a record.')
  if (options.runs < 3) notes.push(`Only ${options.runs} run(s) per figure: medians of fewer than 3 runs are not a valid record.`)
  if (options.only) notes.push(`Only the figures matching \`--only ${options.only}\` (and their references) ran.`)
  if (env.coreBuildWarning) notes.push(env.coreBuildWarning)
  if (env.distRebuiltDuringRun) notes.push(REBUILT_NOTE)
  for (const p of probes) if (p.reason) notes.push(`${p.driver}: ${p.reason}`)
  for (const n of notes) out.push(`> **Note:** ${n}`, '>')
  if (notes.length > 0) out.splice(out.length - 1, 1, '')

  const envRows = [
    ['Date', env.date],
    ['Machine', `${env.cpuModel} (/proc/cpuinfo), ${env.cores} cores, ${env.memoryGiB.toFixed(1)} GiB RAM`],
    ['Load average 1/5/15 min, start → end', `${env.loadAverage.map((x) => x.toFixed(2)).join(' ')} → ${env.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')}`],
    ['OS', env.kernel],
    ['Temp databases', `fresh file per run under the OS temp dir (${env.tempFs})`],
    ...probes.map((p) => [
      p.driver,
      p.sqlite
        ? `${p.runtime}${p.library ? `, better-sqlite3 ${p.library}` : ''}, SQLite ${p.sqlite}`
        : `not probed: ${p.reason ?? 'unknown'}`,
    ]),
    ['@honker/core', coreText(env)],
    ['Connection settings (raw and Honker, every driver)', (env.pragmas ?? []).join(', ')],
    [
      'Run',
      `${options.runs} round${options.runs === 1 ? '' : 's'}, ${options.quick ? 'quick' : 'full'} sizes${options.scale !== 1 ? ` × ${options.scale}` : ''}` +
        `${options.only ? `, --only ${options.only}` : ''}; ${Math.round(durationS)} s`,
    ],
  ]
  out.push('| | |', '|---|---|', ...envRows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`), '')

  // The side-by-side table: one row per figure, three columns per driver.
  const drivers = probes.length > 0 ? probes : [...new Set(figures.map((f) => f.driver))].map((driver) => ({ driver }))
  const head = ['figure', 'target', ...drivers.flatMap((p) => [cell(driverColumnName(p)), '× raw', 'result'])]
  out.push(`| ${head.join(' | ')} |`, `|---|---|${drivers.map(() => '---:|---:|---|').join('')}`)
  for (const r of rows) {
    const any = drivers.map((p) => byRow.get(`${p.driver} ${r.row}`)).find(Boolean)
    if (any === undefined) continue
    const target = r.target === undefined ? (r.ref ? `(vs \`${r.ref}\`)` : '') : r.target.ratioMin !== undefined ? `≥ ${r.target.ratioMin}× \`${r.ref}\`` : targetText(any)
    const cells = drivers.flatMap((p) => {
      const f = byRow.get(`${p.driver} ${r.row}`)
      if (f === undefined) return ['', '', '']
      return [valueText(f), formatRatio(f.ratio), statusText(f)]
    })
    out.push(`| ${cell(r.title)} | ${cell(target)} | ${cells.map(cell).join(' | ')} |`)
  }
  out.push('')
  const targeted = figures.filter((f) => f.status !== null)
  const missed = targeted.filter((f) => f.status !== 'pass')
  out.push(
    `Targets: ${targeted.length - missed.length} of ${targeted.length} pass` +
      (missed.length > 0 ? `; not passing: ${missed.map((f) => `\`${f.id}\` (${f.status})`).join(', ')}.` : '.') +
      ' The ratio targets (enqueue ≥ 0.9×, claim + ack ≥ 0.8× the same driver’s raw figure) are the issue’s; the wake targets are ' +
      'the main suite’s ratios to the wake floor, measured with the same driver (p50 ≤ 1.5×, p99 ≤ 2×), and the idle limit its ' +
      'absolute one. Worker figures have no target; their × raw is against the single claim + ack ceiling.',
  )
  out.push('')

  // The better-sqlite3 figures against the last full `pnpm bench` record in this doc.
  // Only a full-size run is comparable (the sizes are part of a figure).
  if (recorded !== null && !options.quick && options.scale === 1) {
    const mine = (row) => byRow.get(`better-sqlite3 ${row}`)
    const lines = []
    for (const r of rows) {
      const f = mine(r.row)
      const before = recorded.figures.get(MAIN_IDS[r.row])
      if (f === undefined || before === undefined) continue
      // Only the targeted rows share their reference with the main suite (the worker's there is plainjob).
      const comparable = r.target?.ratioMin !== undefined
      const ratioBefore = comparable ? before.ratio : null
      const ratioNow = comparable ? f.ratio : null
      lines.push(
        `| ${cell(r.title)} | ${formatNumber(before.median)} | ${formatNumber(f.median)} | ${pct(f.median, before.median)} | ` +
          `${ratioNow !== null && ratioBefore !== null ? `${ratioBefore.toFixed(2)}× → ${ratioNow.toFixed(2)}×` : ''} |`,
      )
    }
    if (lines.length > 0) {
      out.push(
        '### better-sqlite3 against the last full run',
        '',
        `The same cases and sizes as the main suite's figures above, which are the last full \`pnpm bench\` record in this doc ` +
          `(${recorded.date ?? 'undated'}, @honker/core ${recorded.core ?? '?'}, ${recorded.run ?? '?'}, load ${recorded.load ?? '?'}). ` +
          'Medians move with the machine’s load; the Honker ÷ raw ratio of a round is the figure to compare (both sides share the load).',
        '',
        '| figure | last full run | this run | change | Honker ÷ raw, then → now |',
        '|---|---:|---:|---:|---|',
        ...lines,
        '',
      )
    }
  }

  // Every run, for the spread.
  out.push('### Every run', '', '| id | median | runs | × raw per round | setup per run |', '|---|---:|---|---|---|')
  for (const f of figures) {
    const ratios = f.ratios.length > 0 ? f.ratios.map((x) => (x === null ? '—' : `${x.toFixed(2)}×`)).join(' / ') : ''
    out.push(`| \`${f.id}\` | ${cell(valueText(f))} | ${cell(runsText(f))} | ${ratios} | ${cell(f.setup)} |`)
  }
  const notRun = figures.filter((f) => f.skip || f.errors.length > 0)
  if (notRun.length > 0) {
    out.push('', '### Skipped and failed', '')
    const seen = new Set()
    for (const f of notRun) {
      if (seen.has(f.caseId)) continue
      seen.add(f.caseId)
      if (f.skip) out.push(`- \`${f.caseId}\`: skipped — ${f.skip}`)
      for (const e of new Set(f.errors)) out.push(`- \`${f.caseId}\`: error — ${cell(e)}`)
    }
  }
  out.push('', DRIVERS_END)
  return out.join('\n')
}

// --- PostgreSQL figures (`pnpm bench:postgres`): one section of docs/benchmarks.md ---

function pgSizesText(sizes) {
  return (
    `enqueue ${formatNumber(sizes.pgInsert1)} jobs (1 per transaction) and ${formatNumber(sizes.pgInsert100)} (100 per transaction); ` +
    `claim + ack ${formatNumber(sizes.pgClaim)} single and ${formatNumber(sizes.pgBatch)} in batches of 100, from a queue of ${formatNumber(sizes.pgBacklog)} more; ` +
    `end to end ${formatNumber(sizes.pgE2e)} jobs (pg-boss ${formatNumber(sizes.pgBossE2e)}); ` +
    `wake ${formatNumber(sizes.pgWakeSamples)} commits after ${sizes.pgWakeWarmup} untimed; idle ${sizes.pgIdleS} s after ${sizes.pgIdleSettleMs / 1000 + 1} s parked; ` +
    `ORM adapters and the ORMs' own inserts ${formatNumber(sizes.pgAdapter1)} jobs (1 per transaction) and ${formatNumber(sizes.pgAdapter100)} (100 per transaction)`
  )
}

/** Every (figure, reference, target) the doc checks: each figure's own, then its `also` pairs. */
function targetRows(figures) {
  const rows = []
  for (const f of figures) {
    if (f.target !== undefined) rows.push({ figure: f, ref: f.ref, target: f.target, ratio: f.ratio, status: f.status })
    for (const a of f.also ?? []) if (a.target !== undefined) rows.push({ figure: f, ref: a.ref, target: a.target, ratio: a.ratio, status: a.status })
  }
  return rows
}

/** The "## PostgreSQL" section (between the markers) of a `--postgres` report. */
export function renderPostgresSection(report) {
  const { env, options, figures, sizes, durationS } = report
  const pg = env.postgres
  const out = [POSTGRES_START, '## PostgreSQL', '']
  out.push(
    'Generated by `pnpm bench:postgres` (`bench/src/run.mjs --postgres`); do not edit by hand (`pnpm bench` and `pnpm bench:drivers` keep this section as it is). ' +
      '@honker/postgres against hand-written SQL through `pg` (the ceiling), pg-boss and graphile-worker, **all on one PostgreSQL cluster** the bench starts for the run ' +
      '(`startTestCluster({ fsync: true })` from @honker/testkit: a throwaway cluster on 127.0.0.1, **fsync, synchronous_commit and full_page_writes on**, so every commit waits for the disk) and stops at the end. ' +
      'Honker’s workers run with its default `asyncWorkerCommits`: each worker step (ack the finished job, claim the next) commits with `synchronous_commit = off` for its own transaction only, so it does not wait for the disk ([postgres.md](postgres.md#worker-commits)); the `pg.honker-durable.work` rows are the same workers with `asyncWorkerCommits: false`, every step waiting for its flush as the peers’ do. ' +
      'Every run is a fresh Node process working in fresh schemas of its own (dropped at its end); each system migrates its own schema and gets pools of 10 connections per process. ' +
      'Before the timed span every run ANALYZEs its tables and issues a CHECKPOINT; throughput figures then do a tenth of their work untimed and time the rest. ' +
      'The ORM adapter figures run `enqueue(tx, …)` of @honker/drizzle/pg, @honker/kysely and @honker/prisma/pg inside the ORM’s own transaction, next to the ORM’s own insert of the same `honker._honker_live` row, each run in a fresh database of its own (the adapters write to their default schema, `honker`). ' +
      'End-to-end figures drain a prefilled queue with the system’s own worker (no-op handler) in 1 or 4 worker processes, and are timed from the first handler call in any worker ' +
      'to the first reading of the system’s tables that shows no unfinished job (the coordinator reads them every 10 ms), so a job counts once its completion has committed, for every system alike. ' +
      `Every value is the **median** of ${options.runs} round${options.runs === 1 ? '' : 's'} (round-robin over all figures, every other round in reverse order); ` +
      '**ratio** is the median over rounds of (figure ÷ reference from that round). Method and caveats: [bench/README.md](../bench/README.md#postgresql-figures).',
  )
  out.push('')
  const notes = []
  if (options.note) notes.push(options.note)
  if (options.quick) notes.push('Quick run (fewer iterations): a smoke check, not a record.')
  if (options.runs < 3) notes.push(`Only ${options.runs} run(s) per figure: medians of fewer than 3 runs are not a valid record.`)
  if (options.only) notes.push(`Only the figures matching \`--only ${options.only}\` (and their references) ran.`)
  if (env.postgresReason) notes.push(`PostgreSQL did not start: ${env.postgresReason}`)
  if (env.coreBuildWarning) notes.push(env.coreBuildWarning)
  if (env.postgresBuildWarning) notes.push(env.postgresBuildWarning)
  if (env.adapterBuildWarning) notes.push(env.adapterBuildWarning)
  if (env.distRebuiltDuringRun) notes.push(REBUILT_NOTE)
  if (env.postgresRebuiltDuringRun) {
    notes.push('packages/postgres/dist was rebuilt during this run (other work in the workspace); every round measured the copy of the build taken at the start.')
  }
  for (const n of notes) out.push(`> **Note:** ${n}`, '>')
  if (notes.length > 0) out.splice(out.length - 1, 1, '')

  const settings = pg ? Object.entries(pg.settings).map(([k, v]) => `${k} = ${v}`).join(', ') : '—'
  const envRows = [
    ['Date', env.date],
    ['Machine', `${env.cpuModel} (/proc/cpuinfo), ${env.cores} cores, ${env.memoryGiB.toFixed(1)} GiB RAM; the server, the workers and the bench share them`],
    ['Load average 1/5/15 min, start → end', `${env.loadAverage.map((x) => x.toFixed(2)).join(' ')} → ${env.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')}`],
    ['OS', env.kernel],
    ['PostgreSQL', pg ? `${pg.version}, one cluster for the whole run, data directory on ${pg.dataFs}, TCP on 127.0.0.1` : `not run: ${env.postgresReason ?? 'unknown'}`],
    ['Server settings', settings],
    ['Node', env.node],
    [
      '@honker/postgres',
      `${env.honkerPostgres ?? '?'}${env.postgresCommit ? ` at ${env.postgresCommit}` : ''}${env.postgresBuiltAt ? `; dist built ${env.postgresBuiltAt}, copied at the start of the run` : ''}`,
    ],
    ['@honker/core (its worker runtime)', coreText(env)],
    ['pg / pg-boss / graphile-worker', `${env.pg ?? '—'} / ${env.pgBoss ?? '—'} / ${env.graphileWorker ?? '—'} (both peers declare Node ≥ 22; they run here on Node ${env.node})`],
    ...(figures.some((f) => f.topic === 'adapters')
      ? [[
          'drizzle-orm / kysely / Prisma (CLI, @prisma/client, adapter-pg)',
          `${env.drizzleOrm ?? '—'} / ${env.kysely ?? '—'} / ${env.prisma ?? '—'}, ${env.prismaClient ?? '—'}, ${env.prismaAdapterPg ?? '—'}; the Prisma client generated for postgresql at run time (bench/prisma/app.postgres.prisma + @honker/prisma’s prisma/honker.postgres.prisma)`,
        ]]
      : []),
    ['Pools', '10 connections per process for every system (`pg.Pool({ max: 10 })`, pg-boss `max: 10`, each ORM on a `pg.Pool({ max: 10 })`); Honker and pg-boss (with `useListenNotify`) listen on one connection more, graphile-worker on one of its pool’s'],
    ['Sizes per run', pgSizesText(sizes)],
    [
      'Run',
      `${options.runs} round${options.runs === 1 ? '' : 's'}, ${options.quick ? 'quick' : 'full'} sizes${options.scale !== 1 ? ` × ${options.scale}` : ''}` +
        `${options.only ? `, --only ${options.only}` : ''}; ${Math.round(durationS)} s`,
    ],
  ]
  out.push('| | |', '|---|---|', ...envRows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`), '')

  const targets = targetRows(figures)
  if (targets.length > 0) {
    out.push('### Targets', '', '| figure | target | median | ratio | result |', '|---|---|---:|---:|---|')
    for (const t of targets) {
      out.push(
        `| ${cell(t.figure.title)} | ${cell(targetText({ ...t.figure, ref: t.ref, target: t.target }))} | ${cell(valueText(t.figure))} | ${formatRatio(t.ratio)} | ${statusText(t)} |`,
      )
    }
    const missed = targets.filter((t) => t.status !== 'pass')
    out.push(
      '',
      `${targets.length - missed.length} of ${targets.length} pass` +
        (missed.length > 0 ? `; not passing: ${missed.map((t) => `\`${t.figure.id}\` vs \`${t.ref}\` (${t.status})`).join(', ')}.` : '.'),
      '',
    )
  }

  // Worker end to end side by side: the figure the targets are about.
  const work = (system, tag) => figures.find((f) => f.id === `pg.${system}.work.${tag}`)
  const tags = ['c1.p1', 'c8.p1', 'c1.p4', 'c8.p4'].filter((tag) => work('honker', tag) || work('graphile', tag) || work('pgboss', tag))
  if (tags.length > 0) {
    out.push(
      '### Worker end to end at a glance',
      '',
      '| concurrency, processes | Honker | graphile-worker | pg-boss | Honker ÷ graphile-worker | Honker ÷ pg-boss |',
      '|---|---:|---:|---:|---:|---:|',
    )
    for (const tag of tags) {
      const h = work('honker', tag)
      const [c, p] = tag.split('.').map((x) => x.slice(1))
      const vsPgBoss = h?.also?.find((a) => a.ref === `pg.pgboss.work.${tag}`)
      const value = (f) => (f ? valueText(f) : '')
      out.push(
        `| ${c}, ${p} | ${value(h)} | ${value(work('graphile', tag))} | ${value(work('pgboss', tag))} | ${h ? formatRatio(h.ratio) : ''} | ${vsPgBoss ? formatRatio(vsPgBoss.ratio) : ''} |`,
      )
    }
    out.push('')
  }

  // The ORM adapters next to their ORM's own insert: the target's two sides and the cost.
  const adapterRows = ['drizzle', 'kysely', 'prisma'].flatMap((orm) =>
    [1, 100].map((perTx) => [orm, perTx, figures.find((f) => f.id === `pg.adapter.${orm}.enqueue.${perTx}`), figures.find((f) => f.id === `pg.orm.${orm}.insert.${perTx}`)]),
  ).filter(([, , adapter]) => adapter !== undefined)
  if (adapterRows.length > 0) {
    out.push(
      '### ORM adapters at a glance',
      '',
      'Cost = the adapter’s time per job ÷ the ORM insert’s (the inverse of the ratio of jobs/s, from the same round); the target is a cost ≤ 1.1×.',
      '',
      '| ORM | jobs per transaction | ORM’s own insert | adapter `enqueue(tx, …)` | adapter ÷ insert | cost | result |',
      '|---|---:|---:|---:|---:|---:|---|',
    )
    for (const [orm, perTx, adapter, insert] of adapterRows) {
      const cost = adapter.ratio > 0 ? `${(1 / adapter.ratio).toFixed(2)}×` : ''
      out.push(`| ${orm} | ${perTx} | ${insert ? valueText(insert) : ''} | ${valueText(adapter)} | ${formatRatio(adapter.ratio)} | ${cost} | ${statusText(adapter)} |`)
    }
    out.push('')
  }

  for (const [topic, title] of PG_TOPICS) {
    const inTopic = figures.filter((f) => f.topic === topic)
    if (inTopic.length === 0) continue
    out.push(`### ${title}`, '', topicTable(inTopic), '')
  }
  const notRun = figures.filter((f) => f.skip || f.errors.length > 0)
  if (notRun.length > 0) {
    out.push('### Skipped and failed', '')
    const seen = new Set()
    for (const f of notRun) {
      if (seen.has(f.caseId)) continue
      seen.add(f.caseId)
      if (f.skip) out.push(`- \`${f.caseId}\`: skipped — ${f.skip}`)
      for (const e of new Set(f.errors)) out.push(`- \`${f.caseId}\`: error — ${cell(e)}`)
    }
    out.push('')
  }
  out.push(POSTGRES_END)
  return out.join('\n')
}

