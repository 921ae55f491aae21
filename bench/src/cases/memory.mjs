/**
 * Resident memory (issue 20): of a worker process at rest, draining a big backlog and after it;
 * of a thousand listeners; of a long stream replay (with its rate). Each is measured in a process
 * of its own (src/procs/memory-probe.mjs) that loads nothing but @honker/core: this case process
 * writes every backlog with raw SQL and never opens the measured connection, so its page cache and
 * garbage are not counted. Values are MB (2^20 bytes).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnProc } from '../lib/ipc.mjs'
import { openLibrary } from '../lib/libraries.mjs'
import { createHonkerSchema, freshPath, prefillJobs, prefillStream } from '../lib/sqlite.mjs'
import { QUEUE } from '../lib/sql.mjs'

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'procs', 'memory-probe.mjs')
/** Rows written per prefill transaction: keeps the WAL of a 10,000,000-row prefill near 100 MB. */
const PREFILL_CHUNK = 1_000_000

function spawnProbe(config, timeoutMs, nodeFlags = []) {
  return spawnProc(PROBE, config, { timeoutMs, execArgv: ['--expose-gc', ...nodeFlags] })
}

/**
 * `count` more rows into `file` through `prefill`, in transactions of PREFILL_CHUNK; with
 * `checkpoint`, the WAL is then written back and truncated (only when nothing else has the file open).
 */
function append(file, count, prefill, { checkpoint = false } = {}) {
  const raw = openLibrary(file)
  for (let done = 0; done < count; done += PREFILL_CHUNK) prefill(raw, Math.min(PREFILL_CHUNK, count - done))
  if (checkpoint) raw.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  raw.close()
}

const round1 = (mb) => Math.round(mb * 10) / 10

/**
 * RSS without the V8 heap's committed but unused space: after a GC that space is mostly the young
 * generation, which V8 sizes to the recent allocation rate (it moved RSS by ±10 MB between
 * otherwise equal readings), so a growth taken on it measures V8's sizing, not what is kept.
 */
const retainedMb = (sample) => sample.rssMb - sample.heapTotalMb + sample.heapUsedMb

/**
 * A worker process, `queue.work(noop, { concurrency })` from @honker/core (better-sqlite3): its RSS
 * parked on an empty queue (`rest`), after draining `jobs` jobs prefilled while it waited
 * (`drained`), and after draining `jobs` more (growth = second minus first, of `retainedMb` and of the
 * plain RSS); `peak` is the process's high-water mark over all of it. `cacheSizeKiB` goes to
 * `open()`, `nodeFlags` to the worker's Node (the memory-capped set-up of docs/benchmarks.md).
 */
export async function workerRss({ workDir, jobs, concurrency = 1, settleMs, cacheSizeKiB, nodeFlags = [], timeoutMs = 600_000 }) {
  const file = freshPath(workDir, 'memory-worker')
  createHonkerSchema(file)
  const probe = spawnProbe({ file, queue: QUEUE, mode: 'work', concurrency, settleMs, cacheSizeKiB }, timeoutMs, nodeFlags)
  try {
    const rest = await probe.next('rest', 60_000)
    const drains = []
    for (let round = 1; round <= 2; round++) {
      append(file, jobs, (raw, count) => prefillJobs(raw, QUEUE, count))
      probe.send({ type: 'expect', total: round * jobs })
      drains.push(await probe.next('drained'))
    }
    probe.send({ type: 'stop' })
    const { errors } = await probe.next('stopped', 30_000)
    if (errors.length > 0) throw new Error(`worker errors: ${errors.slice(0, 3).join('; ')}`)
    const [first, second] = drains
    return {
      values: {
        rest: rest.rssMb,
        peak: second.peakMb,
        drained: first.rssMb,
        growth: retainedMb(second) - retainedMb(first),
        growthRss: second.rssMb - first.rssMb,
      },
      units: 2 * jobs,
      detail: {
        jobsPerS: drains.map((d) => Math.round((jobs * 1000) / d.elapsedMs)),
        rssMb: [rest.rssMb, first.rssMb, second.rssMb].map(round1),
        heapUsedMb: [rest.heapUsedMb, first.heapUsedMb, second.heapUsedMb].map(round1),
        heapTotalMb: [rest.heapTotalMb, first.heapTotalMb, second.heapTotalMb].map(round1),
        peakAfterFirstMb: round1(first.peakMb),
      },
    }
  } finally {
    await probe.kill()
  }
}

/** RSS added by `listeners` `db.listen(channel)` listeners in one process, each on its own channel, each waiting. */
export async function listenersRss({ workDir, listeners, settleMs, timeoutMs = 120_000 }) {
  const file = freshPath(workDir, 'memory-listeners')
  createHonkerSchema(file)
  const probe = spawnProbe({ file, mode: 'listen', listeners, settleMs }, timeoutMs)
  try {
    const { base, parked, after, delivered } = await probe.next('listened')
    if (delivered !== listeners) throw new Error(`${delivered} of ${listeners} listeners got their notification`)
    return {
      values: { delta: parked.rssMb - base.rssMb, rss: Math.max(parked.rssMb, after.rssMb) },
      units: listeners,
      detail: {
        rssMb: [base.rssMb, parked.rssMb, after.rssMb].map(round1),
        heapUsedMb: [base.heapUsedMb, parked.heapUsedMb, after.heapUsedMb].map(round1),
        kbPerListener: Math.round(((parked.rssMb - base.rssMb) * 1024) / listeners),
        heapKbPerListener: Math.round(((parked.heapUsedMb - base.heapUsedMb) * 1024) / listeners),
      },
    }
  } finally {
    await probe.kill()
  }
}

/** `stream.readSince(offset, page)` from 0 over `events` events: the rate and the process's peak RSS. */
export async function replayRss({ workDir, events, page, settleMs, timeoutMs = 600_000 }) {
  const file = freshPath(workDir, 'memory-replay')
  createHonkerSchema(file)
  append(file, events, (raw, count) => prefillStream(raw, 'bench', count), { checkpoint: true })
  const probe = spawnProbe({ file, mode: 'replay', topic: 'bench', page, settleMs }, timeoutMs)
  try {
    const { base, after, events: read, elapsedMs } = await probe.next('replayed')
    if (read !== events) throw new Error(`replayed ${read} of ${events} events`)
    return {
      values: { rate: (events * 1000) / elapsedMs, peak: after.peakMb },
      units: events,
      elapsedMs,
      detail: { rssMb: [base.rssMb, after.rssMb].map(round1), heapTotalMb: [base.heapTotalMb, after.heapTotalMb].map(round1) },
    }
  } finally {
    await probe.kill()
  }
}
