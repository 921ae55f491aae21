/**
 * The raw ceiling: one SQLite library alone, on the table shape `open()` creates, with Honker's
 * connection settings. Each function measures one figure on a fresh file in `workDir`. The
 * library is better-sqlite3 unless `HONKER_DRIVER` names node:sqlite or bun:sqlite (the per-driver
 * figures, each run in that library's runtime): the handle is the library's own (`openLibrary`),
 * and the timed loops call its statements directly, as an app using that library would.
 */
import { benchDriver, immediateTransaction, libraryInfo, openLibrary } from '../lib/libraries.mjs'
import { throughput } from '../lib/measure.mjs'
import { createHonkerSchema, freshPath, prefillJobs, prefillStream } from '../lib/sqlite.mjs'
import {
  QUEUE,
  RAW_ACK,
  RAW_ACK_BATCH,
  RAW_CLAIM,
  RAW_INSERT_JOB,
  RAW_INSERT_NOTIFICATION,
  RAW_INSERT_STREAM,
  RAW_READ_STREAM,
  nowS,
} from '../lib/sql.mjs'

const WORKER = 'raw-worker'
const VISIBILITY_S = 300

function setup(workDir, name) {
  const file = freshPath(workDir, name)
  createHonkerSchema(file)
  return openLibrary(file)
}

/** The library this process measures, its SQLite and the runtime (the per-driver doc's environment). */
export function probe() {
  return { value: 1, detail: libraryInfo(benchDriver()) }
}

/** One job row per autocommit INSERT (one transaction each). */
export function insert1({ workDir, units }) {
  const db = setup(workDir, 'raw-insert-1')
  const insert = db.prepare(RAW_INSERT_JOB)
  let i = 0
  const result = throughput(() => {
    const now = nowS()
    insert.run(QUEUE, JSON.stringify({ i: i++ }), now, now)
    return 1
  }, { units })
  db.close()
  return result
}

/** 100 job rows per BEGIN IMMEDIATE transaction (the library's own transaction helper where it has one). */
export function insert100({ workDir, units }) {
  const db = setup(workDir, 'raw-insert-100')
  const insert = db.prepare(RAW_INSERT_JOB)
  let i = 0
  const insertMany = immediateTransaction(db, () => {
    const now = nowS()
    for (let k = 0; k < 100; k++) insert.run(QUEUE, JSON.stringify({ i: i++ }), now, now)
  })
  const result = throughput(() => {
    insertMany()
    return 100
  }, { units })
  db.close()
  return result
}

/**
 * Claim `batch` jobs with one UPDATE ... RETURNING, then ack them: one DELETE per job for a batch
 * of 1 (honker's single ack), one json_each DELETE otherwise. `backlog` ready jobs stay behind the
 * ones consumed, so the claim always walks a queue of at least that size.
 */
export function claimAck({ workDir, units, backlog, batch }) {
  const db = setup(workDir, `raw-claim-${batch}`)
  const warmupUnits = Math.ceil(units / 10)
  prefillJobs(db, QUEUE, backlog + units + warmupUnits + 2 * batch)
  const claim = db.prepare(RAW_CLAIM)
  const ack = db.prepare(RAW_ACK)
  const ackBatch = db.prepare(RAW_ACK_BATCH)
  const step = () => {
    const now = nowS()
    const rows = claim.all(WORKER, now + VISIBILITY_S, QUEUE, now, now, now, batch)
    if (rows.length !== batch) throw new Error(`claimed ${rows.length} of ${batch}: backlog ran out`)
    if (batch === 1) {
      if (ack.run(rows[0].id, WORKER, now).changes !== 1) throw new Error('ack missed')
    } else if (ackBatch.run(JSON.stringify(rows.map((r) => r.id)), WORKER, now).changes !== batch) {
      throw new Error('batch ack missed')
    }
    return batch
  }
  const result = throughput(step, { units, warmupUnits })
  db.close()
  return result
}

/** One `_honker_stream` row per autocommit INSERT: the ceiling for a stream publish. */
export function streamInsert1({ workDir, units }) {
  const db = setup(workDir, 'raw-stream-insert')
  const insert = db.prepare(RAW_INSERT_STREAM)
  let i = 0
  const result = throughput(() => {
    insert.run('bench', JSON.stringify({ i: i++ }), nowS())
    return 1
  }, { units })
  db.close()
  return result
}

/** Read a topic from offset 0 in pages of `page`, parsing each payload as an app would. */
export function streamReplay({ workDir, units, page }) {
  const db = setup(workDir, 'raw-stream-replay')
  prefillStream(db, 'bench', units)
  const read = db.prepare(RAW_READ_STREAM)
  const replayAll = () => {
    let offset = 0
    let events = 0
    for (;;) {
      const rows = read.all('bench', offset, page)
      if (rows.length === 0) return events
      for (const row of rows) row.payload = JSON.parse(row.payload)
      events += rows.length
      offset = rows[rows.length - 1].offset
    }
  }
  // One full replay warms the page cache and JIT; the timed one reads every event once.
  replayAll()
  const result = throughput(replayAll, { units, warmupUnits: 0 })
  if (result.units !== units) throw new Error(`replayed ${result.units} of ${units} events`)
  db.close()
  return result
}

/** One `_honker_notifications` row per autocommit INSERT: the ceiling for notify. */
export function notify1({ workDir, units }) {
  const db = setup(workDir, 'raw-notify')
  const insert = db.prepare(RAW_INSERT_NOTIFICATION)
  let i = 0
  const result = throughput(() => {
    insert.run('bench', JSON.stringify({ i: i++ }), nowS())
    return 1
  }, { units })
  db.close()
  return result
}

/**
 * The worker ceiling (issue 20): a hand-written loop over `jobs` prefilled jobs, one transaction
 * per job that acks the previous job and claims the next (one commit per job, as Honker's worker
 * at concurrency 1), then `await handler(payload)` with an async no-op. No runtime around it: no
 * heartbeats, events, retries or wake-ups. The figure is jobs / elapsed.
 */
export async function workerCeiling({ workDir, jobs }) {
  const db = setup(workDir, 'raw-worker-ceiling')
  prefillJobs(db, QUEUE, jobs)
  const claim = db.prepare(RAW_CLAIM)
  const ack = db.prepare(RAW_ACK)
  const step = immediateTransaction(db, (previous) => {
    const now = nowS()
    if (previous !== null && ack.run(previous, WORKER, now).changes !== 1) throw new Error('ack missed')
    return claim.all(WORKER, now + VISIBILITY_S, QUEUE, now, now, now, 1)[0]
  })
  const handler = async () => {}
  let previous = null
  let done = 0
  const start = performance.now()
  for (;;) {
    const row = step(previous)
    if (row === undefined) break
    await handler(JSON.parse(row.payload))
    previous = row.id
    done++
  }
  const elapsedMs = performance.now() - start
  db.close()
  if (done !== jobs) throw new Error(`${done} of ${jobs} jobs run`)
  return { value: (jobs * 1000) / elapsedMs, units: jobs, elapsedMs }
}
