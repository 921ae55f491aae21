/**
 * Every measured figure. A case is one child-process run; it yields one figure (`value`) or
 * several (`values`, e.g. wake p50 and p99). `ref` names the figure a ratio is taken against
 * (from the same round), `target` what the doc checks as pass/miss.
 */

import { SCALE_CASES, SCALE_TOPICS } from './figures-scale.mjs'

/** Work per run. Backlog sizes are part of a figure's meaning and never scale. */
export const SIZES = {
  full: {
    insert1: 50_000,
    insert100: 200_000,
    claim: 10_000,
    batch: 64_000,
    e2e: 20_000,
    wakeSamples: 500,
    wakeWarmup: 20,
    idleS: 10,
    idleSettleMs: 10_000,
    dead: 1_000_000,
    deadPending: 100_000,
    stream: 50_000,
    replay: 500_000,
    replayPage: 1000,
    peerEnqueue: 10_000,
    nativeClaimMaxMs: 5000,
    // PostgreSQL (`pnpm bench:postgres`): every commit waits for fsync, so counts are far smaller.
    pgInsert1: 2_000,
    pgInsert100: 20_000,
    pgClaim: 1_000,
    pgBatch: 20_000,
    pgBacklog: 5_000,
    pgE2e: 3_000,
    pgBossE2e: 1_000,
    pgWakeSamples: 300,
    pgWakeWarmup: 20,
    pgIdleS: 10,
    pgIdleSettleMs: 10_000,
    pgAdapter1: 1_000,
    pgAdapter100: 3_000,
  },
  quick: {
    insert1: 5_000,
    insert100: 20_000,
    claim: 1_000,
    batch: 6_400,
    e2e: 2_000,
    wakeSamples: 100,
    wakeWarmup: 10,
    idleS: 2,
    idleSettleMs: 1000,
    dead: 100_000,
    deadPending: 10_000,
    stream: 5_000,
    replay: 50_000,
    replayPage: 1000,
    peerEnqueue: 1_000,
    nativeClaimMaxMs: 1000,
    pgInsert1: 200,
    pgInsert100: 2_000,
    pgClaim: 100,
    pgBatch: 2_000,
    pgBacklog: 5_000,
    pgE2e: 300,
    pgBossE2e: 100,
    pgWakeSamples: 50,
    pgWakeWarmup: 10,
    pgIdleS: 2,
    pgIdleSettleMs: 1000,
    pgAdapter1: 100,
    pgAdapter100: 300,
  },
}

/** Counts scale with `--scale`; times, page sizes and warm-up counts do not. */
const FIXED = new Set(['idleS', 'idleSettleMs', 'replayPage', 'nativeClaimMaxMs', 'wakeWarmup', 'deadPending', 'pgBacklog', 'pgWakeWarmup', 'pgIdleS', 'pgIdleSettleMs'])
/** Counts that must be whole batches (of 128 on SQLite, 100 on PostgreSQL). */
const MULTIPLE = { insert100: 100, batch: 128, pgInsert100: 100, pgBatch: 100, pgAdapter100: 100 }

export function sizesFor({ quick = false, scale = 1 } = {}) {
  const base = SIZES[quick ? 'quick' : 'full']
  const sizes = {}
  for (const [key, value] of Object.entries(base)) {
    sizes[key] = FIXED.has(key) ? value : Math.max(MULTIPLE[key] ?? 1, Math.round(value * scale))
  }
  for (const [key, multiple] of Object.entries(MULTIPLE)) sizes[key] = Math.ceil(sizes[key] / multiple) * multiple
  // Figures whose counts are their meaning (src/figures-scale.mjs) pick their own full or quick set.
  sizes.quick = quick
  sizes.wakeSamples = Math.max(20, sizes.wakeSamples)
  sizes.pgWakeSamples = Math.max(20, sizes.pgWakeSamples)
  return sizes
}

export const TOPICS = [
  ['enqueue', 'Enqueue'],
  ['claim', 'Claim and ack'],
  ['backlog', 'Claim cost against backlog (must be flat)'],
  ['e2e', 'Worker end to end (drain a prefilled queue, no-op handler)'],
  ['wake', 'Cross-process wake latency and idle CPU'],
  ['streams', 'Streams and notify'],
  ['features', 'Queue features when used: unique keys, limits, history pages, fairness'],
  ...SCALE_TOPICS,
]

const n = (x) => x.toLocaleString('en-US')
const PER_S = { rows: 'rows/s', jobs: 'jobs/s', events: 'events/s' }

/** Figure shorthand: one value per run. */
function one(id, title, { ref, target, unit = PER_S.jobs, better = 'higher' } = {}) {
  return [{ key: 'value', id, title, ref, target, unit, better }]
}

/**
 * Claim figures consume `units` jobs from a queue prefilled with backlog + units (+ warm-up), so
 * the queue shrinks to `backlog` by the end. honker native's claim is O(backlog), so it consumes
 * at most a fifth of the backlog (and stops at `maxMs`): its queue stays within 20 % of `backlog`.
 */
const claimCase = (system, batch, backlog) => (s) =>
  system === 'native'
    ? { units: Math.max(batch * 8, Math.round(backlog / 5)), backlog, batch, maxMs: s.nativeClaimMaxMs }
    : { units: batch === 1 ? s.claim : s.batch, backlog, batch }

const claimSetup = (p) =>
  `${p.maxMs ? '≤' : ''}${n(p.units)} jobs claimed, queue ${n(p.backlog + p.units)} → ${n(p.backlog)}` +
  `${p.maxMs ? ` (or stop at ${n(p.maxMs)} ms)` : ''}${p.dead ? `, ${n(p.dead)} rows in \`_honker_dead\`` : ''}`

/**
 * Enqueue through each ORM adapter (`src/cases/adapters.mjs`), `perTx` jobs per ORM transaction,
 * against the raw insert with the same number of rows per transaction. Prisma's interactive
 * transactions are an order of magnitude slower, so it does the peers' (smaller) counts.
 */
const ADAPTERS = [
  ['drizzle', '@honker/drizzle `enqueue(tx, …)` in `db.transaction` (Drizzle, better-sqlite3)'],
  ['kysely', '@honker/kysely `await enqueue(trx, …)` in `db.transaction().execute` (Kysely, `SqliteDialect`)'],
  ['prisma', '@honker/prisma `await enqueue(tx, …)` in `prisma.$transaction` (Prisma 7, adapter-better-sqlite3)'],
]
/** The ORM's own insert of the same `_honker_live` row, for each adapter: what the ORM charges. */
const ORM_INSERTS = {
  drizzle: 'Drizzle `tx.insert(honkerLive).values(row).run()`, the same row by hand',
  kysely: "Kysely `await trx.insertInto('_honker_live').values(row).execute()`, the same row by hand",
  prisma: 'Prisma `await tx.honkerJob.create({ data: row })`, the same row by hand',
}
function adapterCases(perTx) {
  return ADAPTERS.flatMap(([system, call]) => {
    const id = `adapter.${system}.enqueue.${perTx}`
    const ormId = `orm.${system}.insert.${perTx}`
    const units =
      system === 'prisma'
        ? (s) => (perTx === 1 ? s.peerEnqueue : Math.ceil(s.peerEnqueue / 10) * 100)
        : (s) => (perTx === 1 ? s.insert1 : s.insert100)
    const base = { system, topic: 'enqueue', module: 'adapters', params: (s) => ({ units: units(s) }), setup: (p) => `${n(p.units)} jobs` }
    return [
      { ...base, id, fn: `${system}Enqueue${perTx}`, figures: one(id, `${call}, ${perTx} per transaction`, { ref: `raw.insert.${perTx}` }) },
      { ...base, id: ormId, fn: `${system}Insert${perTx}`, figures: one(ormId, `${ORM_INSERTS[system]}, ${perTx} per transaction`, { ref: id }) },
    ]
  })
}

export const CASES = [
  // --- enqueue ---
  {
    id: 'raw.insert.1', system: 'raw', topic: 'enqueue', module: 'raw', fn: 'insert1',
    params: (s) => ({ units: s.insert1 }), setup: (p) => `${n(p.units)} inserts`,
    figures: one('raw.insert.1', 'raw better-sqlite3 insert-commit, 1 row per transaction', { unit: PER_S.rows }),
  },
  {
    id: 'honker.enqueue.1', system: 'honker', topic: 'enqueue', module: 'honker', fn: 'enqueue1',
    params: (s) => ({ units: s.insert1 }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('honker.enqueue.1', 'Honker `queue.enqueue`, 1 per transaction', { ref: 'raw.insert.1', target: { ratioMin: 0.9 } }),
  },
  {
    id: 'native.enqueue.1', system: 'native', topic: 'enqueue', module: 'native', fn: 'enqueue1',
    params: (s) => ({ units: s.insert1 }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('native.enqueue.1', 'honker 0.5.1 native `honker_enqueue`, 1 per transaction', { ref: 'honker.enqueue.1' }),
  },
  {
    id: 'plainjob.enqueue.1', system: 'plainjob', topic: 'enqueue', module: 'plainjob', fn: 'enqueue1',
    params: (s) => ({ units: s.insert1 }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('plainjob.enqueue.1', 'plainjob `queue.add`, 1 per transaction', { ref: 'honker.enqueue.1' }),
  },
  {
    id: 'liteque.enqueue.1', system: 'liteque', topic: 'enqueue', module: 'liteque', fn: 'enqueue1',
    params: (s) => ({ units: s.peerEnqueue }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('liteque.enqueue.1', 'liteque `await queue.enqueue`, 1 per transaction', { ref: 'honker.enqueue.1' }),
  },
  {
    id: 'bullmq.enqueue.1', system: 'bullmq', topic: 'enqueue', module: 'bullmq', fn: 'enqueue1', redis: true,
    params: (s) => ({ units: s.peerEnqueue }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('bullmq.enqueue.1', 'BullMQ `await queue.add`, 1 per call (local Redis)', { ref: 'honker.enqueue.1' }),
  },
  ...adapterCases(1),
  {
    id: 'raw.insert.100', system: 'raw', topic: 'enqueue', module: 'raw', fn: 'insert100',
    params: (s) => ({ units: s.insert100 }), setup: (p) => `${n(p.units)} rows`,
    figures: one('raw.insert.100', 'raw better-sqlite3 insert, 100 rows per transaction', { unit: PER_S.rows }),
  },
  {
    id: 'honker.enqueue.100', system: 'honker', topic: 'enqueue', module: 'honker', fn: 'enqueue100',
    params: (s) => ({ units: s.insert100 }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('honker.enqueue.100', 'Honker `queue.enqueueMany`, 100 per transaction', { ref: 'raw.insert.100', target: { ratioMin: 0.8 } }),
  },
  {
    id: 'native.enqueue.100', system: 'native', topic: 'enqueue', module: 'native', fn: 'enqueue100',
    params: (s) => ({ units: s.insert100 }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('native.enqueue.100', 'honker native `honker_enqueue`, 100 per transaction', { ref: 'honker.enqueue.100' }),
  },
  {
    id: 'plainjob.enqueue.100', system: 'plainjob', topic: 'enqueue', module: 'plainjob', fn: 'enqueue100',
    params: (s) => ({ units: s.insert100 }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('plainjob.enqueue.100', 'plainjob `queue.addMany`, 100 per transaction', { ref: 'honker.enqueue.100' }),
  },
  {
    id: 'bullmq.enqueue.100', system: 'bullmq', topic: 'enqueue', module: 'bullmq', fn: 'enqueue100', redis: true,
    params: (s) => ({ units: s.peerEnqueue * 10 }), setup: (p) => `${n(p.units)} jobs`,
    figures: one('bullmq.enqueue.100', 'BullMQ `await queue.addBulk`, 100 per call', { ref: 'honker.enqueue.100' }),
  },
  ...adapterCases(100),

  // --- claim + ack ---
  ...[1, 32, 128].flatMap((batch) => {
    const tag = batch === 1 ? '1' : String(batch)
    const what = batch === 1 ? 'claim + ack, one job (2 transactions)' : `claim batch ${batch} + ack batch`
    return [
      {
        id: `raw.claimack.${tag}`, system: 'raw', topic: 'claim', module: 'raw', fn: 'claimAck',
        params: claimCase('raw', batch, 5000), setup: claimSetup,
        figures: one(`raw.claimack.${tag}`, `raw better-sqlite3 hand-written ${what}`),
      },
      {
        id: `honker.claimack.${tag}`, system: 'honker', topic: 'claim', module: 'honker', fn: 'claimAck',
        params: claimCase('honker', batch, 5000), setup: claimSetup,
        figures: one(
          `honker.claimack.${tag}`,
          batch === 1 ? 'Honker `claimOne` + `job.ack()`' : `Honker \`claimBatch(${batch})\` + \`queue.ackBatch\``,
          { ref: `raw.claimack.${tag}`, target: batch === 32 ? undefined : { ratioMin: 0.8 } },
        ),
      },
      {
        id: `native.claimack.${tag}`, system: 'native', topic: 'claim', module: 'native', fn: 'claimAck',
        params: claimCase('native', batch, 5000), setup: claimSetup,
        figures: one(
          `native.claimack.${tag}`,
          batch === 1 ? 'honker native `honker_claim_batch(1)` + `honker_ack`' : `honker native \`honker_claim_batch(${batch})\` + \`honker_ack_batch\``,
          { ref: `honker.claimack.${tag}` },
        ),
      },
    ]
  }),

  // --- backlog flatness ---
  ...[20_000, 100_000].flatMap((backlog) => {
    const tag = `b${backlog / 1000}k`
    return [
      {
        id: `honker.claimack.1.${tag}`, system: 'honker', topic: 'backlog', module: 'honker', fn: 'claimAck',
        params: claimCase('honker', 1, backlog), setup: claimSetup,
        figures: one(`honker.claimack.1.${tag}`, `Honker claim + ack, one job, backlog ${n(backlog)}`, {
          ref: 'honker.claimack.1',
          target: { ratioMin: 0.8 },
        }),
      },
      {
        id: `native.claimack.1.${tag}`, system: 'native', topic: 'backlog', module: 'native', fn: 'claimAck',
        params: claimCase('native', 1, backlog), setup: claimSetup,
        figures: one(`native.claimack.1.${tag}`, `honker native claim + ack, one job, backlog ${n(backlog)}`, {
          ref: 'native.claimack.1',
        }),
      },
    ]
  }),
  // --- queue features (issue 17): their cost when used ---
  {
    id: 'honker.enqueue.unique', system: 'honker', topic: 'features', module: 'honker', fn: 'enqueueUnique1',
    params: (s) => ({ units: s.insert1 }), setup: (p) => `${n(p.units)} jobs, each with a new key`,
    figures: one('honker.enqueue.unique', 'Honker `enqueue(payload, { uniqueKey })`, 1 per transaction', { ref: 'honker.enqueue.1', target: { ratioMin: 0.8 } }),
  },
  ...['concurrency', 'groups'].map((limits) => ({
    id: `honker.claimack.1.${limits}`, system: 'honker', topic: 'features', module: 'honker', fn: 'claimAckLimited',
    params: (s) => ({ units: s.claim, backlog: 5000, limits }), setup: claimSetup,
    figures: one(
      `honker.claimack.1.${limits}`,
      limits === 'concurrency' ? 'Honker claim + ack under a global concurrency limit' : 'Honker claim + ack under group limits (10 groups, 4 each)',
      { ref: 'honker.claimack.1', target: { ratioMin: 0.8 } },
    ),
  })),
  {
    id: 'honker.history.pages', system: 'honker', topic: 'features', module: 'honker', fn: 'historyPages',
    params: () => ({ rows: 1_000_000 }), setup: (p) => `${n(p.rows)} finished jobs in the history, pages of 100`,
    figures: [
      { key: 'first', id: 'honker.history.first', title: '`queue.jobs({ state: \'completed\' })`, first page', unit: 'ms', better: 'lower', target: { max: 5 } },
      { key: 'deep', id: 'honker.history.deep', title: '`queue.jobs({ state: \'completed\', after })`, a page 999,000 rows deep', unit: 'ms', better: 'lower', target: { max: 5 } },
    ],
  },
  {
    id: 'honker.fairness', system: 'honker', topic: 'features', module: 'honker', fn: 'fairness',
    params: () => ({ big: 100_000, groups: 10, small: 10 }), setup: (p) => `${n(p.big)} jobs of one group, then ${p.groups} groups of ${p.small}`,
    figures: [
      { key: 'grouped', id: 'honker.fairness.grouped', title: 'until every small group\'s jobs started, group limit 1', unit: 'ms', better: 'lower', ref: 'honker.fairness.fifo' },
      { key: 'fifo', id: 'honker.fairness.fifo', title: 'the same, plain FIFO (no group limit)', unit: 'ms', better: 'lower' },
    ],
  },

  {
    id: 'honker.claimack.1.dead', system: 'honker', topic: 'backlog', module: 'honker', fn: 'claimAck',
    params: (s) => ({ units: s.claim, backlog: s.deadPending, batch: 1, dead: s.dead }),
    setup: claimSetup,
    figures: one('honker.claimack.1.dead', 'Honker claim + ack, one job, with a large `_honker_dead`', {
      ref: 'honker.claimack.1.b100k',
      target: { ratioMin: 0.8 },
    }),
  },

  // --- worker end to end ---
  {
    id: 'plainjob.e2e.c1', system: 'plainjob', topic: 'e2e', module: 'plainjob', fn: 'e2e',
    params: (s) => ({ jobs: s.e2e }), setup: (p) => `${n(p.jobs)} jobs, 1 process`,
    figures: one('plainjob.e2e.c1', 'plainjob worker (one job at a time), 1 process', { ref: 'honker.work.c1.p1' }),
  },
  {
    id: 'honker.work.c1.p1', system: 'honker', topic: 'e2e', module: 'procs', fn: 'work',
    params: (s) => ({ jobs: s.e2e, concurrency: 1, processes: 1 }), setup: (p) => `${n(p.jobs)} jobs`,
    figures: [{
      ...one('honker.work.c1.p1', 'Honker `queue.work(noop)`, concurrency 1, 1 process', {
        ref: 'plainjob.e2e.c1',
        target: { ratioMin: 1.3 },
      })[0],
      also: [{ ref: 'raw.worker.c1', target: { ratioMin: 0.8 } }],
    }],
  },
  {
    id: 'raw.worker.c1', system: 'raw', topic: 'e2e', module: 'raw', fn: 'workerCeiling',
    params: (s) => ({ jobs: s.e2e }), setup: (p) => `${n(p.jobs)} jobs`,
    figures: one('raw.worker.c1', 'ceiling: a hand-written loop, one transaction per job acking the previous and claiming the next, then `await noop(payload)`', {
      ref: 'honker.work.c1.p1',
    }),
  },
  {
    id: 'honker.work.c8.p1', system: 'honker', topic: 'e2e', module: 'procs', fn: 'work',
    params: (s) => ({ jobs: s.e2e, concurrency: 8, processes: 1 }), setup: (p) => `${n(p.jobs)} jobs`,
    figures: one('honker.work.c8.p1', 'Honker `queue.work(noop)`, concurrency 8, 1 process', { ref: 'honker.work.c1.p1' }),
  },
  {
    id: 'honker.work.c8.p1.otel', system: 'honker', topic: 'e2e', module: 'procs', fn: 'workTraced',
    params: (s) => ({ jobs: s.e2e, concurrency: 8 }), setup: (p) => `${n(p.jobs)} jobs, each with a stored producer context`,
    figures: [{
      ...one('honker.work.c8.p1.otel', 'Honker `queue.work(noop)`, concurrency 8, OpenTelemetry tracing on (`@honker/otel`, always sample, in-memory exporter)', {
        ref: 'honker.work.c8.p1',
        target: { ratioMin: 0.85 },
      })[0],
      // Honker's own share: against tracing whose only cost is the SDK's span per job.
      also: [{ ref: 'honker.work.c8.p1.otel.ceiling', target: { ratioMin: 0.85 } }],
    }],
  },
  {
    id: 'honker.work.c8.p1.otel.ceiling', system: 'honker', topic: 'e2e', module: 'procs', fn: 'workTracedCeiling',
    params: (s) => ({ jobs: s.e2e, concurrency: 8 }), setup: (p) => `${n(p.jobs)} jobs, each with a stored producer context`,
    figures: one('honker.work.c8.p1.otel.ceiling', 'ceiling of the traced drain: the same, tracing through a bare hook that only starts the SDK span, runs the handler in its context and ends it', {
      ref: 'honker.work.c8.p1',
    }),
  },
  {
    id: 'honker.work.c1.p2', system: 'honker', topic: 'e2e', module: 'procs', fn: 'work',
    params: (s) => ({ jobs: s.e2e, concurrency: 1, processes: 2 }), setup: (p) => `${n(p.jobs)} jobs`,
    figures: one('honker.work.c1.p2', 'Honker `queue.work(noop)`, concurrency 1, 2 processes', { ref: 'honker.work.c1.p1' }),
  },
  {
    id: 'honker.work.c8.p2', system: 'honker', topic: 'e2e', module: 'procs', fn: 'work',
    params: (s) => ({ jobs: s.e2e, concurrency: 8, processes: 2 }), setup: (p) => `${n(p.jobs)} jobs`,
    figures: one('honker.work.c8.p2', 'Honker `queue.work(noop)`, concurrency 8, 2 processes', { ref: 'honker.work.c8.p1' }),
  },
  ...[1, 8].map((concurrency) => ({
    id: `liteque.e2e.c${concurrency}`, system: 'liteque', topic: 'e2e', module: 'liteque', fn: 'e2e',
    params: (s) => ({ jobs: s.e2e, concurrency }), setup: (p) => `${n(p.jobs)} jobs`,
    figures: one(`liteque.e2e.c${concurrency}`, `liteque Runner, concurrency ${concurrency}, 1 process`, { ref: `honker.work.c${concurrency}.p1` }),
  })),
  ...[1, 8].map((concurrency) => ({
    id: `bullmq.e2e.c${concurrency}`, system: 'bullmq', topic: 'e2e', module: 'bullmq', fn: 'e2e', redis: true,
    params: (s) => ({ jobs: s.e2e, concurrency }), setup: (p) => `${n(p.jobs)} jobs`,
    figures: one(`bullmq.e2e.c${concurrency}`, `BullMQ Worker, concurrency ${concurrency}, 1 process (local Redis)`, { ref: `honker.work.c${concurrency}.p1` }),
  })),

  // --- wake latency and idle CPU ---
  // The floors the wake targets are ratios to (issue 20): what the machine allows, measured in the same round.
  ...[
    ['watch', 'a raw commit seen in another process through `fs.watch` + `data_version`, then one hand-written claim transaction'],
    ['socket', 'a line written to a Unix socket, read by another process'],
  ].map(([floor, label]) => ({
    id: `floor.wake.${floor}`, system: 'raw', topic: 'wake', module: 'procs', fn: 'wakeFloor',
    params: (s, round) => ({ samples: s.wakeSamples, warmup: s.wakeWarmup, seed: 1000 + round, floor }),
    setup: (p) => `${n(p.samples)} ${floor === 'watch' ? 'commits' : 'messages'}, gaps 2-20 ms (seed ${p.seed})`,
    figures: [
      { key: 'p50', id: `floor.wake.${floor}.p50`, title: `floor p50: ${label}`, unit: 'ms', better: 'lower' },
      { key: 'p99', id: `floor.wake.${floor}.p99`, title: `floor p99: ${label}`, unit: 'ms', better: 'lower' },
    ],
  })),
  ...[
    ['honker', 'events', 'Honker `queue.work`, default watcher', true],
    ['honker-poll1', 'poll1', "Honker `queue.work`, `{ watcher: { mode: 'poll', pollIntervalMs: 1 } }`", false],
    ['native', 'native', 'honker native consumer, `updateEvents().next()` (1 ms polling)', false],
  ].flatMap(([consumer, tag, label, targeted]) => {
    const system = consumer === 'native' ? 'native' : 'honker'
    const prefix = system === 'native' ? 'native' : `honker`
    return [
      {
        id: `${prefix}.wake.${tag}`, system, topic: 'wake', module: 'procs', fn: 'wakeLatency',
        params: (s, round) => ({ samples: s.wakeSamples, warmup: s.wakeWarmup, seed: 1000 + round, consumer }),
        setup: (p) => `${n(p.samples)} commits, gaps 2-20 ms (seed ${p.seed})`,
        figures: [
          {
            key: 'p50', id: `${prefix}.wake.${tag}.p50`, title: `wake p50: ${label}`, unit: 'ms', better: 'lower',
            ref: 'floor.wake.watch.p50', target: targeted ? { ratioMax: 1.5 } : undefined,
          },
          {
            key: 'p99', id: `${prefix}.wake.${tag}.p99`, title: `wake p99: ${label}`, unit: 'ms', better: 'lower',
            ref: 'floor.wake.watch.p99', target: targeted ? { ratioMax: 2 } : undefined,
          },
        ],
      },
      {
        id: `${prefix}.idle.${tag}`, system, topic: 'wake', module: 'procs', fn: 'idleCpu',
        params: (s) => ({ seconds: s.idleS, settleMs: s.idleSettleMs, consumer }),
        setup: (p) => `${p.seconds} s window after ${p.settleMs / 1000 + 1} s parked`,
        timeoutMs: (p) => p.seconds * 1000 + p.settleMs + 60_000,
        figures: one(`${prefix}.idle.${tag}`, `idle CPU: ${label}`, {
          unit: 'ms CPU/s',
          better: 'lower',
          target: targeted ? { max: 1 } : undefined,
        }),
      },
    ]
  }),

  // --- streams and notify ---
  {
    id: 'raw.stream.insert.1', system: 'raw', topic: 'streams', module: 'raw', fn: 'streamInsert1',
    params: (s) => ({ units: s.stream }), setup: (p) => `${n(p.units)} inserts`,
    figures: one('raw.stream.insert.1', 'raw better-sqlite3 insert-commit into `_honker_stream`, 1 per transaction', { unit: PER_S.rows }),
  },
  {
    id: 'honker.stream.publish.1', system: 'honker', topic: 'streams', module: 'honker', fn: 'streamPublish1',
    params: (s) => ({ units: s.stream }), setup: (p) => `${n(p.units)} events`,
    figures: one('honker.stream.publish.1', 'Honker `stream.publish`, 1 per transaction', {
      unit: PER_S.events,
      ref: 'raw.stream.insert.1',
      target: { ratioMin: 0.9 },
    }),
  },
  {
    id: 'native.stream.publish.1', system: 'native', topic: 'streams', module: 'native', fn: 'streamPublish1',
    params: (s) => ({ units: s.stream }), setup: (p) => `${n(p.units)} events`,
    figures: one('native.stream.publish.1', 'honker native `honker_stream_publish`, 1 per transaction', { unit: PER_S.events, ref: 'raw.stream.insert.1' }),
  },
  {
    id: 'raw.stream.replay', system: 'raw', topic: 'streams', module: 'raw', fn: 'streamReplay',
    params: (s) => ({ units: s.replay, page: s.replayPage }), setup: (p) => `${n(p.units)} events, pages of ${n(p.page)}`,
    figures: one('raw.stream.replay', 'raw better-sqlite3 paged SELECT + JSON.parse of each payload', { unit: PER_S.events }),
  },
  {
    id: 'honker.stream.replay', system: 'honker', topic: 'streams', module: 'honker', fn: 'streamReplay',
    params: (s) => ({ units: s.replay, page: s.replayPage }), setup: (p) => `${n(p.units)} events, pages of ${n(p.page)}`,
    figures: [{
      ...one('honker.stream.replay', 'Honker `stream.readSince` replay from offset 0', {
        unit: PER_S.events,
        ref: 'raw.stream.replay',
        target: { min: 1_000_000 },
      })[0],
      // The absolute target moves with the machine; against the hand-written ceiling of the same round it does not.
      also: [{ ref: 'raw.stream.replay', target: { ratioMin: 1 } }],
    }],
  },
  {
    id: 'native.stream.replay', system: 'native', topic: 'streams', module: 'native', fn: 'streamReplay',
    params: (s) => ({ units: s.replay, page: s.replayPage }), setup: (p) => `${n(p.units)} events, pages of ${n(p.page)}`,
    figures: one('native.stream.replay', 'honker native `honker_stream_read_since` replay', { unit: PER_S.events, ref: 'raw.stream.replay' }),
  },
  {
    id: 'raw.notify.1', system: 'raw', topic: 'streams', module: 'raw', fn: 'notify1',
    params: (s) => ({ units: s.stream }), setup: (p) => `${n(p.units)} inserts`,
    figures: one('raw.notify.1', 'raw better-sqlite3 insert-commit into `_honker_notifications`', { unit: PER_S.rows }),
  },
  {
    id: 'honker.notify.1', system: 'honker', topic: 'streams', module: 'honker', fn: 'notify1',
    params: (s) => ({ units: s.stream }), setup: (p) => `${n(p.units)} notifications`,
    figures: one('honker.notify.1', 'Honker `db.notify`, 1 per transaction', { unit: 'notifications/s', ref: 'raw.notify.1' }),
  },
  {
    id: 'native.notify.1', system: 'native', topic: 'streams', module: 'native', fn: 'notify1',
    params: (s) => ({ units: s.stream }), setup: (p) => `${n(p.units)} notifications`,
    figures: one('native.notify.1', 'honker native `tx.notify`, 1 per transaction', { unit: 'notifications/s', ref: 'raw.notify.1' }),
  },
  ...SCALE_CASES,
]

/**
 * The per-driver figures (`pnpm bench:drivers`, `run.mjs --drivers`): for each SQLite library
 * @honker/core drives, Honker against that library's own raw ceiling, in that library's runtime
 * (better-sqlite3 in the Node running the bench, node:sqlite in Node 24, bun:sqlite in Bun). The
 * cases are the main suite's (`raw.mjs`, `honker.mjs`, `procs.mjs`, same sizes); the harness runs
 * them in a child of the driver's runtime with `HONKER_DRIVER` set, which picks the raw library
 * (src/lib/libraries.mjs) and `open()`'s driver, in the case process and in the workers it spawns.
 * `row` is a figure's place in the doc's side-by-side table; its id is `drivers.<tag>.<row>`.
 */
export const DRIVER_ROWS = [
  { row: 'raw.insert.1', topic: 'enqueue', title: 'raw insert-commit, 1 row per transaction (ceiling)', unit: PER_S.rows },
  { row: 'honker.enqueue.1', topic: 'enqueue', title: 'Honker `queue.enqueue`, 1 per transaction', ref: 'raw.insert.1', target: { ratioMin: 0.9 } },
  { row: 'raw.insert.100', topic: 'enqueue', title: 'raw insert, 100 rows per transaction (ceiling)', unit: PER_S.rows },
  { row: 'honker.enqueue.100', topic: 'enqueue', title: 'Honker `queue.enqueueMany`, 100 per transaction', ref: 'raw.insert.100', target: { ratioMin: 0.9 } },
  { row: 'raw.claimack.1', topic: 'claim', title: 'raw hand-written claim + ack, one job (ceiling)' },
  { row: 'honker.claimack.1', topic: 'claim', title: 'Honker `claimOne` + `job.ack()`', ref: 'raw.claimack.1', target: { ratioMin: 0.8 } },
  { row: 'raw.claimack.128', topic: 'claim', title: 'raw hand-written claim batch 128 + ack batch (ceiling)' },
  { row: 'honker.claimack.128', topic: 'claim', title: 'Honker `claimBatch(128)` + `queue.ackBatch`', ref: 'raw.claimack.128', target: { ratioMin: 0.8 } },
  { row: 'honker.work.c1', topic: 'e2e', title: 'Honker `queue.work(noop)`, concurrency 1', ref: 'raw.claimack.1' },
  { row: 'honker.work.c8', topic: 'e2e', title: 'Honker `queue.work(noop)`, concurrency 8', ref: 'raw.claimack.1' },
  { row: 'floor.wake.p50', topic: 'wake', title: 'wake floor p50: a raw commit seen through `fs.watch` + `data_version`, then one raw claim', unit: 'ms', better: 'lower' },
  { row: 'floor.wake.p99', topic: 'wake', title: 'wake floor p99', unit: 'ms', better: 'lower' },
  { row: 'honker.wake.p50', topic: 'wake', title: 'cross-process wake p50 (default watcher)', unit: 'ms', better: 'lower', ref: 'floor.wake.p50', target: { ratioMax: 1.5 } },
  { row: 'honker.wake.p99', topic: 'wake', title: 'cross-process wake p99 (default watcher)', unit: 'ms', better: 'lower', ref: 'floor.wake.p99', target: { ratioMax: 2 } },
  { row: 'honker.idle', topic: 'wake', title: 'idle CPU of a parked `queue.work`', unit: 'ms CPU/s', better: 'lower', target: { max: 1 } },
]

/** The drivers, their runtimes and id tags (kept here so figures.mjs loads no SQLite library). */
export const DRIVERS = [
  { name: 'better-sqlite3', tag: 'better-sqlite3', runtime: 'node20' },
  { name: 'node:sqlite', tag: 'node-sqlite', runtime: 'node24' },
  { name: 'bun:sqlite', tag: 'bun-sqlite', runtime: 'bun' },
]

function driverCases(driver) {
  const prefix = `drivers.${driver.tag}`
  const rows = new Map(DRIVER_ROWS.map((r) => [r.row, r]))
  const figure = (row, key = 'value') => {
    const r = rows.get(row)
    return {
      key,
      row,
      id: `${prefix}.${row}`,
      title: `${driver.name}: ${r.title}`,
      ref: r.ref ? `${prefix}.${r.ref}` : undefined,
      target: r.target,
      unit: r.unit ?? PER_S.jobs,
      better: r.better ?? 'higher',
    }
  }
  const base = { driver: driver.name, runtime: driver.runtime, driverTag: driver.tag }
  const make = (row, fields) => ({
    ...base,
    system: row.split('.')[0],
    topic: rows.get(row).topic,
    id: `${prefix}.${row}`,
    figures: [figure(row)],
    ...fields,
  })
  const claim = (batch) => (s) => ({ units: batch === 1 ? s.claim : s.batch, backlog: 5000, batch })
  return [
    make('raw.insert.1', { module: 'raw', fn: 'insert1', params: (s) => ({ units: s.insert1 }), setup: (p) => `${n(p.units)} inserts` }),
    make('honker.enqueue.1', { module: 'honker', fn: 'enqueue1', params: (s) => ({ units: s.insert1 }), setup: (p) => `${n(p.units)} jobs` }),
    make('raw.insert.100', { module: 'raw', fn: 'insert100', params: (s) => ({ units: s.insert100 }), setup: (p) => `${n(p.units)} rows` }),
    make('honker.enqueue.100', { module: 'honker', fn: 'enqueue100', params: (s) => ({ units: s.insert100 }), setup: (p) => `${n(p.units)} jobs` }),
    make('raw.claimack.1', { module: 'raw', fn: 'claimAck', params: claim(1), setup: claimSetup }),
    make('honker.claimack.1', { module: 'honker', fn: 'claimAck', params: claim(1), setup: claimSetup }),
    make('raw.claimack.128', { module: 'raw', fn: 'claimAck', params: claim(128), setup: claimSetup }),
    make('honker.claimack.128', { module: 'honker', fn: 'claimAck', params: claim(128), setup: claimSetup }),
    ...[1, 8].map((concurrency) =>
      make(`honker.work.c${concurrency}`, {
        module: 'procs', fn: 'work',
        params: (s) => ({ jobs: s.e2e, concurrency, processes: 1 }), setup: (p) => `${n(p.jobs)} jobs, 1 process`,
      }),
    ),
    {
      ...make('floor.wake.p50', {
        module: 'procs', fn: 'wakeFloor',
        params: (s, round) => ({ samples: s.wakeSamples, warmup: s.wakeWarmup, seed: 1000 + round, floor: 'watch' }),
        setup: (p) => `${n(p.samples)} commits, gaps 2-20 ms (seed ${p.seed}), both processes ${driver.name}`,
      }),
      id: `${prefix}.floor.wake`,
      figures: [figure('floor.wake.p50', 'p50'), figure('floor.wake.p99', 'p99')],
    },
    {
      ...make('honker.wake.p50', {
        module: 'procs', fn: 'wakeLatency',
        params: (s, round) => ({ samples: s.wakeSamples, warmup: s.wakeWarmup, seed: 1000 + round, consumer: 'honker' }),
        setup: (p) => `${n(p.samples)} commits, gaps 2-20 ms (seed ${p.seed}), producer and worker processes both ${driver.name}`,
      }),
      id: `${prefix}.honker.wake`,
      figures: [figure('honker.wake.p50', 'p50'), figure('honker.wake.p99', 'p99')],
    },
    make('honker.idle', {
      module: 'procs', fn: 'idleCpu',
      params: (s) => ({ seconds: s.idleS, settleMs: s.idleSettleMs, consumer: 'honker' }),
      setup: (p) => `${p.seconds} s window after ${p.settleMs / 1000 + 1} s parked`,
      timeoutMs: (p) => p.seconds * 1000 + p.settleMs + 60_000,
    }),
  ]
}

export const DRIVER_CASES = DRIVERS.flatMap(driverCases)

/**
 * The PostgreSQL figures (`pnpm bench:postgres`, `run.mjs --postgres`): @honker/postgres against
 * hand-written SQL through `pg` (the ceiling), pg-boss and graphile-worker, all on ONE throwaway
 * cluster the harness starts for the run (fsync on), each run in fresh schemas of its own
 * (src/cases/postgres/, src/lib/pg-systems.mjs). Ids start with `pg.`; `also` lists further
 * (reference, target) pairs of a figure, checked like its own `ref`/`target`.
 */
export const PG_TOPICS = [
  ['enqueue', 'Enqueue'],
  ['adapters', "ORM adapters: enqueue in the ORM's transaction against the ORM's own insert of the same row"],
  ['claim', 'Claim and ack'],
  ['e2e', 'Worker end to end (drain a prefilled queue, no-op handler)'],
  ['wake', 'Cross-process wake latency and idle CPU'],
  ['features', 'Queue features when used: unique keys, limited claims'],
]

/** The peers' labels and the worker set-ups their end-to-end titles name. */
const PG_PEERS = {
  graphile: 'graphile-worker `run({ concurrency })`',
  pgboss: 'pg-boss `work({ localConcurrency, batchSize: 1, pollingIntervalSeconds: 0.5, burstWhenReadyExceeds: 1 })`',
}

function pgCase(id, fields) {
  const { system, topic, module, fn, params, setup, figures } = fields
  return { id, system, topic, module: `postgres/${module}`, fn, postgres: true, params, setup, figures, timeoutMs: fields.timeoutMs }
}

/**
 * The ORM adapters on PostgreSQL (src/cases/postgres/adapters.mjs): `enqueue(tx, …)` inside the
 * ORM's transaction, 1 or 100 calls per transaction, against the ORM's own insert of the same
 * `honker._honker_live` row in the same transaction shape. Target: the adapter costs at most 1.1×
 * the ORM's insert, i.e. its jobs/s ≥ 1/1.1 of the insert's from the same round. The ORM's insert
 * of one row per transaction is compared with the raw one (no target); raw's 100-row figure is one
 * statement, so the 100-per-transaction inserts have no reference. Each pair runs side by side
 * (insert, then enqueue; the other way round every other round).
 */
const PG_ADAPTERS = [
  [
    'drizzle',
    '@honker/drizzle/pg `await enqueue(tx, …)` in `db.transaction` (Drizzle, node-postgres)',
    "Drizzle `await tx.insert(honkerLive).values(row).returning({ id })` (a `pgSchema('honker')` table)",
  ],
  [
    'kysely',
    '@honker/kysely `await enqueue(trx, …)` in `db.transaction().execute` (Kysely, `PostgresDialect`)',
    "Kysely `await trx.insertInto('honker._honker_live').values(row).returning('id').execute()`",
  ],
  [
    'prisma',
    '@honker/prisma/pg `await enqueue(tx, …)` in `prisma.$transaction` (Prisma 7, adapter-pg)',
    'Prisma `await tx.honkerJob.create({ data: row, select: { id: true } })` (the shipped model)',
  ],
]
/** "adapter cost ≤ 1.1× the ORM's own insert", as a ratio of jobs/s. */
export const PG_ADAPTER_TARGET = { ratioMin: 1 / 1.1, costMax: 1.1 }

function pgAdapterCases(perTx) {
  const units = (s) => (perTx === 1 ? s.pgAdapter1 : s.pgAdapter100)
  return PG_ADAPTERS.flatMap(([system, call, insert]) => {
    const adapter = `pg.adapter.${system}.enqueue.${perTx}`
    const orm = `pg.orm.${system}.insert.${perTx}`
    const base = { system, topic: 'adapters', module: 'adapters', params: (s) => ({ units: units(s) }), setup: (p) => `${n(p.units)} jobs` }
    return [
      pgCase(orm, {
        ...base, fn: `${system}Insert${perTx}`,
        // One row per transaction is raw's shape too; raw's 100 rows are one statement, not comparable.
        figures: one(orm, `${insert}, ${perTx} per transaction`, { ref: perTx === 1 ? 'pg.raw.insert.1' : undefined }),
      }),
      pgCase(adapter, {
        ...base, fn: `${system}Enqueue${perTx}`,
        figures: one(adapter, `${call}, ${perTx} per transaction`, { ref: orm, target: PG_ADAPTER_TARGET }),
      }),
    ]
  })
}

const pgClaimParams = (batch) => (s) => ({ units: batch === 1 ? s.pgClaim : s.pgBatch, backlog: s.pgBacklog, batch })
const pgClaimSetup = (p) => `${n(p.units)} jobs claimed, queue ${n(p.backlog + p.units)} → ${n(p.backlog)}`
const pgWorkSetup = (p) => `${n(p.jobs)} jobs, ${p.processes} worker process${p.processes === 1 ? '' : 'es'}`

export const PG_CASES = [
  // --- enqueue ---
  ...[1, 100].flatMap((perTx) => {
    const units = (s) => (perTx === 1 ? s.pgInsert1 : s.pgInsert100)
    const raw = `pg.raw.insert.${perTx}`
    const honker = `pg.honker.enqueue.${perTx}`
    return [
      pgCase(raw, {
        system: 'raw', topic: 'enqueue', module: 'raw', fn: `insert${perTx}`,
        params: (s) => ({ units: units(s) }), setup: (p) => `${n(p.units)} rows`,
        figures: one(raw, perTx === 1
          ? 'raw `pg` INSERT, 1 row per statement (autocommit)'
          : 'raw `pg` INSERT … SELECT FROM unnest($2::text[]), 100 rows per statement (autocommit)', { unit: PER_S.rows }),
      }),
      pgCase(honker, {
        system: 'honker', topic: 'enqueue', module: 'honker', fn: `enqueue${perTx}`,
        params: (s) => ({ units: units(s) }), setup: (p) => `${n(p.units)} jobs`,
        figures: one(honker, perTx === 1 ? 'Honker `await queue.enqueue`, 1 per transaction' : 'Honker `await queue.enqueueMany`, 100 per transaction', {
          ref: raw, target: { ratioMin: 0.8 },
        }),
      }),
      pgCase(`pg.pgboss.enqueue.${perTx}`, {
        system: 'pgboss', topic: 'enqueue', module: 'pgboss', fn: `enqueue${perTx}`,
        params: (s) => ({ units: units(s) }), setup: (p) => `${n(p.units)} jobs`,
        figures: one(`pg.pgboss.enqueue.${perTx}`, perTx === 1 ? 'pg-boss `await boss.send`, 1 per call' : 'pg-boss `await boss.insert`, 100 per call', { ref: honker }),
      }),
      pgCase(`pg.graphile.enqueue.${perTx}`, {
        system: 'graphile', topic: 'enqueue', module: 'graphile', fn: `enqueue${perTx}`,
        params: (s) => ({ units: units(s) }), setup: (p) => `${n(p.units)} jobs`,
        figures: one(`pg.graphile.enqueue.${perTx}`, perTx === 1 ? 'graphile-worker `await utils.addJob`, 1 per call' : 'graphile-worker `await utils.addJobs`, 100 per call', { ref: honker }),
      }),
    ]
  }),

  // --- the ORM adapters against their ORM's own insert ---
  ...pgAdapterCases(1),
  ...pgAdapterCases(100),

  // --- claim + ack ---
  ...[1, 100].flatMap((batch) => [
    pgCase(`pg.raw.claimack.${batch}`, {
      system: 'raw', topic: 'claim', module: 'raw', fn: 'claimAck', params: pgClaimParams(batch), setup: pgClaimSetup,
      figures: one(`pg.raw.claimack.${batch}`, batch === 1
        ? 'raw `pg` claim (UPDATE … FOR UPDATE SKIP LOCKED … RETURNING) + DELETE ack, one job (2 transactions)'
        : 'raw `pg` claim of 100 (FOR UPDATE SKIP LOCKED) + one DELETE … = ANY ack'),
    }),
    pgCase(`pg.honker.claimack.${batch}`, {
      system: 'honker', topic: 'claim', module: 'honker', fn: 'claimAck', params: pgClaimParams(batch), setup: pgClaimSetup,
      figures: one(`pg.honker.claimack.${batch}`, batch === 1 ? 'Honker `claimOne` + `job.ack()`' : 'Honker `claimBatch(100)` + `queue.ackBatch`', {
        ref: `pg.raw.claimack.${batch}`,
      }),
    }),
  ]),

  // --- queue features (issue 17), when used ---
  pgCase('pg.honker.enqueue.unique', {
    system: 'honker', topic: 'features', module: 'honker', fn: 'enqueueUnique1',
    params: (s) => ({ units: s.pgInsert1 }), setup: (p) => `${n(p.units)} jobs, each with a new key`,
    figures: one('pg.honker.enqueue.unique', 'Honker `await queue.enqueue(payload, { uniqueKey })`', { ref: 'pg.honker.enqueue.1', target: { ratioMin: 0.8 } }),
  }),
  ...['concurrency', 'groups'].map((limits) =>
    pgCase(`pg.honker.claimack.1.${limits}`, {
      system: 'honker', topic: 'features', module: 'honker', fn: 'claimAckLimited',
      params: (s) => ({ units: s.pgClaim, backlog: s.pgBacklog, limits }), setup: pgClaimSetup,
      figures: one(
        `pg.honker.claimack.1.${limits}`,
        limits === 'concurrency' ? 'Honker claim + ack under a global concurrency limit' : 'Honker claim + ack under group limits (10 groups, 4 each)',
        { ref: 'pg.honker.claimack.1', target: { ratioMin: 0.8 } },
      ),
    }),
  ),

  // --- worker end to end ---
  ...[1, 4].flatMap((processes) =>
    [1, 8].flatMap((concurrency) => {
      const tag = `c${concurrency}.p${processes}`
      const where = `concurrency ${concurrency}, ${processes} process${processes === 1 ? '' : 'es'}`
      const params = (system, jobs) => (s) => ({ system, jobs: jobs(s), concurrency, processes })
      return [
        pgCase(`pg.honker.work.${tag}`, {
          system: 'honker', topic: 'e2e', module: 'procs', fn: 'work', params: params('honker', (s) => s.pgE2e), setup: pgWorkSetup,
          figures: [{
            ...one(`pg.honker.work.${tag}`, `Honker \`queue.work(noop, { concurrency })\`, ${where}`, {
              ref: `pg.graphile.work.${tag}`, target: { ratioMin: 1.5 },
            })[0],
            also: [{ ref: `pg.pgboss.work.${tag}`, target: { ratioMin: 5 } }],
          }],
        }),
        pgCase(`pg.honker-durable.work.${tag}`, {
          system: 'honker', topic: 'e2e', module: 'procs', fn: 'work', params: params('honker-durable', (s) => s.pgE2e), setup: pgWorkSetup,
          figures: one(`pg.honker-durable.work.${tag}`, `Honker with \`asyncWorkerCommits: false\` (every step waits for its WAL flush, as the peers' do), ${where}`, {
            ref: `pg.graphile.work.${tag}`,
          }),
        }),
        ...(concurrency === 8 && processes === 1
          ? [pgCase(`pg.honker.work.${tag}.otel`, {
              system: 'honker', topic: 'e2e', module: 'procs', fn: 'work', params: params('honker-traced', (s) => s.pgE2e),
              setup: (p) => `${pgWorkSetup(p)}, each job with a stored producer context`,
              figures: [{
                ...one(`pg.honker.work.${tag}.otel`, `Honker \`queue.work(noop)\`, ${where}, OpenTelemetry tracing on (\`@honker/otel\`, always sample, in-memory exporter)`, {
                  ref: `pg.honker.work.${tag}`, target: { ratioMin: 0.85 },
                })[0],
                // Honker's own share: against tracing whose only cost is the SDK's span per job.
                also: [{ ref: `pg.honker.work.${tag}.otel.ceiling`, target: { ratioMin: 0.85 } }],
              }],
            }),
            pgCase(`pg.honker.work.${tag}.otel.ceiling`, {
              system: 'honker', topic: 'e2e', module: 'procs', fn: 'work', params: params('honker-traced-ceiling', (s) => s.pgE2e),
              setup: (p) => `${pgWorkSetup(p)}, each job with a stored producer context`,
              figures: one(`pg.honker.work.${tag}.otel.ceiling`, `ceiling of the traced drain: the same, tracing through a bare hook that only starts the SDK span, runs the handler in its context and ends it`, {
                ref: `pg.honker.work.${tag}`,
              }),
            })]
          : []),
        pgCase(`pg.graphile.work.${tag}`, {
          system: 'graphile', topic: 'e2e', module: 'procs', fn: 'work', params: params('graphile', (s) => s.pgE2e), setup: pgWorkSetup,
          figures: one(`pg.graphile.work.${tag}`, `${PG_PEERS.graphile}, ${where}`, { ref: `pg.honker.work.${tag}` }),
        }),
        pgCase(`pg.pgboss.work.${tag}`, {
          system: 'pgboss', topic: 'e2e', module: 'procs', fn: 'work', params: params('pgboss', (s) => s.pgBossE2e), setup: pgWorkSetup,
          figures: one(`pg.pgboss.work.${tag}`, `${PG_PEERS.pgboss}, ${where}`, { ref: `pg.honker.work.${tag}` }),
        }),
      ]
    }),
  ),

  // --- wake latency and idle CPU ---
  ...[
    ['honker', 'wake', 'honker.wake', 'Honker `queue.work`, LISTEN/NOTIFY (default)'],
    ['graphile', 'wake', 'graphile.wake', 'graphile-worker `run({ concurrency: 1 })`, LISTEN/NOTIFY'],
    ['pgboss', 'wake-notify', 'pgboss.wake.notify', 'pg-boss `useListenNotify` + queue `notify: true`, `work({ batchSize: 100 })`, polling every 0.5 s (its minimum) as the backstop'],
    ['pgboss', 'wake-poll', 'pgboss.wake.poll', 'pg-boss polling only, `pollingIntervalSeconds: 0.5` (its minimum), `work({ batchSize: 100 })`'],
  ].map(([system, variant, tag, label]) => {
    const id = `pg.${tag}`
    const honker = system === 'honker'
    return pgCase(id, {
      system, topic: 'wake', module: 'procs', fn: 'wakeLatency',
      params: (s, round) => ({ system, variant, samples: s.pgWakeSamples, warmup: s.pgWakeWarmup, seed: 1000 + round }),
      setup: (p) => `${n(p.samples)} commits, gaps 2-20 ms (seed ${p.seed})`,
      figures: [
        {
          key: 'p50', id: `${id}.p50`, title: `wake p50: ${label}`, unit: 'ms', better: 'lower',
          ref: honker ? 'pg.graphile.wake.p50' : 'pg.honker.wake.p50', target: honker ? { ratioMax: 1 } : undefined,
        },
        { key: 'p99', id: `${id}.p99`, title: `wake p99: ${label}`, unit: 'ms', better: 'lower', ref: honker ? 'pg.graphile.wake.p99' : 'pg.honker.wake.p99' },
      ],
    })
  }),
  pgCase('pg.honker.idle', {
    system: 'honker', topic: 'wake', module: 'procs', fn: 'idleCpu',
    params: (s) => ({ system: 'honker', seconds: s.pgIdleS, settleMs: s.pgIdleSettleMs }),
    setup: (p) => `${p.seconds} s window after ${p.settleMs / 1000 + 1} s parked`,
    timeoutMs: (p) => p.seconds * 1000 + p.settleMs + 90_000,
    figures: one('pg.honker.idle', 'idle CPU of a parked Honker `queue.work` (worker process only, not the server)', { unit: 'ms CPU/s', better: 'lower' }),
  }),
]

const figuresOf = (cases) => cases.flatMap((c) => c.figures.map((f) => ({ ...f, caseId: c.id, system: c.system, topic: c.topic, driver: c.driver })))

/** The main suite's figures (`pnpm bench`). */
export const FIGURES = figuresOf(CASES)
export const DRIVER_FIGURES = figuresOf(DRIVER_CASES)
export const PG_FIGURES = figuresOf(PG_CASES)
/** Every suite's: ids are unique across them (per-driver ids start with `drivers.`, PostgreSQL ones with `pg.`). */
export const ALL_FIGURES = [...FIGURES, ...DRIVER_FIGURES, ...PG_FIGURES]
export const ALL_CASES = [...CASES, ...DRIVER_CASES, ...PG_CASES]

/** Human text for a target (of `figure`, or one of its `also` pairs: `{ ref, target }`). */
export function targetText(figure) {
  const t = figure.target
  if (t === undefined) return ''
  if (t.costMax !== undefined) return `≥ ${t.ratioMin.toFixed(2)}× \`${figure.ref}\` (cost ≤ ${t.costMax}×)`
  if (t.ratioMin !== undefined) return `≥ ${t.ratioMin}× \`${figure.ref}\``
  if (t.ratioMax !== undefined) return `≤ ${t.ratioMax}× \`${figure.ref}\``
  if (t.max !== undefined) return `≤ ${t.max} ${figure.unit}`
  if (t.min !== undefined) return `≥ ${t.min.toLocaleString('en-US')} ${figure.unit}`
  return ''
}

/**
 * Does `pattern` name `id`? Patterns match whole dot-separated segments anywhere in the id:
 * `enqueue` matches `honker.enqueue.1`, `claimack.1` matches `honker.claimack.1` and
 * `honker.claimack.1.b20k` but not `honker.claimack.128`.
 */
export function matchesId(id, pattern) {
  const have = id.split('.')
  const want = pattern.split('.')
  for (let i = 0; i + want.length <= have.length; i++) {
    if (want.every((segment, k) => have[i + k] === segment)) return true
  }
  return false
}

/**
 * Cases matching `--only` (comma-separated id patterns, see matchesId), plus every case a
 * selected figure's ratio refers to, so a ratio always comes from the same run.
 */
export function selectCases(only, cases = CASES) {
  const patterns = (only ?? '').split(',').map((p) => p.trim()).filter(Boolean)
  const chosen = new Set(
    patterns.length === 0
      ? cases.map((c) => c.id)
      : cases.filter((c) => patterns.some((p) => matchesId(c.id, p) || c.figures.some((f) => matchesId(f.id, p)))).map((c) => c.id),
  )
  const byFigure = new Map(figuresOf(cases).map((f) => [f.id, f]))
  let grew = true
  while (grew) {
    grew = false
    for (const c of cases) {
      if (!chosen.has(c.id)) continue
      for (const f of c.figures) {
        for (const name of [f.ref, ...(f.also ?? []).map((a) => a.ref)]) {
          const ref = name && byFigure.get(name)
          if (ref && !chosen.has(ref.caseId)) {
            chosen.add(ref.caseId)
            grew = true
          }
        }
      }
    }
  }
  return cases.filter((c) => chosen.has(c.id))
}
