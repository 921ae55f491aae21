/**
 * The memory and scale figures (issue 20, items 3 and 4), in the shape of src/figures.mjs, which
 * spreads them into its TOPICS and CASES. Memory is resident set size (RSS) in MB, read in a
 * process of its own (src/cases/memory.mjs); the scale figures check that claim cost, replay rate
 * and file size do not grow with counts.
 */

export const SCALE_TOPICS = [
  ['memory', 'Memory: resident set of one process (MB, after a forced GC; peaks are the kernel high-water mark)'],
  ['scale', 'Scale: claim cost, replay rate and file size at large counts'],
]

/** Counts per run, full or quick (`sizes.quick`). Backlogs and counts are the figures' meaning, so `--scale` leaves them alone. */
const COUNTS = {
  full: { workerJobs: 1_000_000, listeners: 1_000, replay: 10_000_000, dead: 10_000_000, fileSmall: 10_000, fileBig: 1_000_000, fileChunk: 10_000, historyChunk: 1_000, settleMs: 1000 },
  quick: { workerJobs: 5_000, listeners: 1_000, replay: 50_000, dead: 100_000, fileSmall: 1_000, fileBig: 10_000, fileChunk: 1_000, historyChunk: 100, settleMs: 200 },
}
const countsFor = (s) => COUNTS[s.quick ? 'quick' : 'full']

/** The worker target of issue 20: under 80 MB resident at any point. */
const WORKER_MAX_MB = 80
/** "No growth after warm-up": RSS after the second batch of jobs at most this much above the first. */
const GROWTH_MAX_MB = 2

const n = (x) => x.toLocaleString('en-US')
const MB = 'MB'
const lower = (key, id, title, fields = {}) => ({ key, id, title, unit: MB, better: 'lower', ...fields })

/** Single claim + ack (`claimAck` of src/cases/honker.mjs) against `backlog` pending jobs, and `dead` dead rows. */
function claimScale(tag, backlog, title, dead) {
  const id = `honker.scale.claimack.${tag}`
  return {
    id, system: 'honker', topic: 'scale', module: 'honker', fn: 'claimAck',
    params: (s) => ({ units: s.claim, backlog, batch: 1, ...(dead ? { dead: countsFor(s).dead } : {}) }),
    setup: (p) => `${n(p.units)} jobs claimed, queue ${n(p.backlog + p.units + Math.ceil(p.units / 10) + 2)} → ${n(p.backlog)}${p.dead ? `, ${n(p.dead)} rows in \`_honker_dead\`` : ''}`,
    timeoutMs: () => 900_000,
    figures: [{
      key: 'value', id, title, unit: 'jobs/s', better: 'higher',
      ...(tag === 'b1k' ? {} : { ref: 'honker.scale.claimack.b1k', target: { ratioMin: 0.8 } }),
    }],
  }
}

/**
 * The file after 10,000 and after 1,000,000 jobs processed, default settings or with a bounded
 * history. With default settings the chunk is the 10,000 itself: the first file is what a queue of
 * 10,000 leaves, and the second has been through 100 of them. With a history of 10,000 the sweep
 * comes every 1,000 jobs: between two sweeps the history holds up to keep + one chunk, so a chunk
 * as large as the keep would double the second file by the sweep's cadence, not by lost pages.
 */
function fileCase(history) {
  const id = history ? 'honker.scale.file.history' : 'honker.scale.file'
  const how = history ? 'with `setHistory({ keepCompleted: { maxCount: 10,000 } })`' : 'default settings (acked jobs deleted)'
  return {
    id, system: 'honker', topic: 'scale', module: 'scale', fn: 'fileSize',
    params: (s) => {
      const c = countsFor(s)
      return history
        ? { small: c.fileSmall, big: c.fileBig, chunk: c.historyChunk, keepCompleted: c.fileSmall }
        : { small: c.fileSmall, big: c.fileBig, chunk: c.fileChunk }
    },
    setup: (p) =>
      `fresh files, ${n(p.small)} then ${n(p.big)} jobs: ${n(p.chunk)} enqueued, drained by \`queue.work(noop, { concurrency: 8 })\`, swept, repeated` +
      `${p.keepCompleted ? `; history kept up to ${n(p.keepCompleted)}` : ''}`,
    timeoutMs: () => 900_000,
    figures: [
      lower('small', `${id}.10k`, `database file after 10,000 jobs processed, ${how} (main file, WAL written back on close)`),
      lower('big', `${id}.1m`, `database file after 1,000,000 jobs processed, ${how}`, { ref: `${id}.10k`, target: { ratioMax: 2 } }),
    ],
  }
}

export const SCALE_CASES = [
  // --- memory ---
  {
    id: 'honker.memory.worker', system: 'honker', topic: 'memory', module: 'memory', fn: 'workerRss',
    params: (s) => ({ jobs: countsFor(s).workerJobs, concurrency: 1, settleMs: countsFor(s).settleMs }),
    setup: (p) => `one worker process (better-sqlite3); ${n(p.jobs)} jobs prefilled while it is parked, drained, then ${n(p.jobs)} more`,
    timeoutMs: () => 900_000,
    figures: [
      lower('rest', 'honker.memory.worker.rest', 'worker process at rest: `open()` + `queue.work(noop)` parked on an empty queue', { target: { max: WORKER_MAX_MB } }),
      lower('peak', 'honker.memory.worker.peak', 'worker process, peak while draining 2 × 1,000,000 prefilled jobs (VmHWM)', { target: { max: WORKER_MAX_MB } }),
      lower('drained', 'honker.memory.worker.drained', 'worker process after draining 1,000,000 jobs', { target: { max: WORKER_MAX_MB } }),
      lower('growth', 'honker.memory.worker.growth', 'worker growth over the second 1,000,000 jobs: RSS − V8 heap committed + V8 heap used, after the second − after the first', { target: { max: GROWTH_MAX_MB } }),
      lower('growthRss', 'honker.memory.worker.growth.rss', 'worker RSS after the second 1,000,000 jobs − after the first (includes V8 resizing its young generation)'),
    ],
  },
  // The memory-capped set-up the docs recommend for a worker under a memory limit: a 2 MB page
  // cache (`open(path, { cacheSizeKiB: 2000 })`) and V8's young generation held at 1 MB per
  // semi-space (`node --max-semi-space-size=1`, an app's choice: a library cannot set V8 flags).
  {
    id: 'honker.memory.worker.capped', system: 'honker', topic: 'memory', module: 'memory', fn: 'workerRss',
    params: (s) => ({ jobs: countsFor(s).workerJobs, concurrency: 1, settleMs: countsFor(s).settleMs, cacheSizeKiB: 2000, nodeFlags: ['--max-semi-space-size=1'] }),
    setup: (p) => `the same, with \`open(path, { cacheSizeKiB: 2000 })\` and \`node --max-semi-space-size=1\``,
    timeoutMs: () => 900_000,
    figures: [
      lower('rest', 'honker.memory.worker.capped.rest', 'memory-capped worker at rest', { target: { max: WORKER_MAX_MB } }),
      lower('peak', 'honker.memory.worker.capped.peak', 'memory-capped worker, peak while draining 2 × 1,000,000 prefilled jobs (VmHWM)', { target: { max: WORKER_MAX_MB } }),
      lower('drained', 'honker.memory.worker.capped.drained', 'memory-capped worker after draining 1,000,000 jobs', { target: { max: WORKER_MAX_MB } }),
      lower('growth', 'honker.memory.worker.capped.growth', 'memory-capped worker growth over the second 1,000,000 jobs (as above)', { target: { max: GROWTH_MAX_MB } }),
    ],
  },
  {
    id: 'honker.memory.listeners', system: 'honker', topic: 'memory', module: 'memory', fn: 'listenersRss',
    params: (s) => ({ listeners: countsFor(s).listeners, settleMs: countsFor(s).settleMs }),
    setup: (p) => `${n(p.listeners)} listeners in one process, one channel each, each waiting in \`next()\`; then one notification to each`,
    figures: [
      lower('delta', 'honker.memory.listeners.delta', 'RSS added by 1,000 `db.listen(channel)` listeners, all waiting'),
      lower('rss', 'honker.memory.listeners.rss', 'RSS of that process with the 1,000 listeners (highest of waiting and after one delivery each)'),
    ],
  },
  {
    id: 'honker.scale.replay', system: 'honker', topic: 'scale', module: 'memory', fn: 'replayRss',
    params: (s) => ({ events: countsFor(s).replay, page: s.replayPage, settleMs: countsFor(s).settleMs }),
    setup: (p) => `${n(p.events)} events, \`stream.readSince\` pages of ${n(p.page)} from offset 0, in a process of its own`,
    timeoutMs: () => 900_000,
    figures: [
      {
        key: 'rate', id: 'honker.scale.replay', title: 'Honker `stream.readSince` replay of 10,000,000 events (cold, in a process of its own)',
        unit: 'events/s', better: 'higher', target: { min: 1_000_000 },
        // The ratio to the 500,000-event replay of the same round shows what the count costs, whatever the machine's load.
        ref: 'honker.stream.replay',
      },
      lower('peak', 'honker.memory.replay.peak', 'peak RSS of the process replaying 10,000,000 events (VmHWM)'),
    ],
  },

  // --- claim cost against backlog and dead rows ---
  claimScale('b1k', 1_000, 'Honker claim + ack, one job, 1,000 pending'),
  claimScale('b10k', 10_000, 'Honker claim + ack, one job, 10,000 pending'),
  claimScale('b100k', 100_000, 'Honker claim + ack, one job, 100,000 pending'),
  claimScale('b1m', 1_000_000, 'Honker claim + ack, one job, 1,000,000 pending'),
  claimScale('dead10m', 1_000, 'Honker claim + ack, one job, 1,000 pending, 10,000,000 rows in `_honker_dead`', true),

  // --- database file size ---
  fileCase(false),
  fileCase(true),
]
