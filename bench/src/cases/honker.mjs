/**
 * @honker/core figures measured in one process through its public standalone API, each on a
 * fresh file in `workDir`. Backlogs are written with raw SQL before `open()` so only the measured
 * calls go through Honker. `open()` takes its default driver, which `HONKER_DRIVER` sets in a
 * per-driver figure's process (the backlog's raw handle is of that library too).
 */
import { open } from '@honker/core'
import { openLibrary } from '../lib/libraries.mjs'
import { throughput } from '../lib/measure.mjs'
import { skip } from '../lib/skip.mjs'
import { createHonkerSchema, freshPath, prefillDead, prefillJobs, prefillStream } from '../lib/sqlite.mjs'
import { QUEUE } from '../lib/sql.mjs'

const WORKER = 'honker-worker'

function openWith(workDir, name, prefill) {
  const file = freshPath(workDir, name)
  createHonkerSchema(file)
  if (prefill !== undefined) {
    const raw = openLibrary(file)
    prefill(raw)
    raw.close()
  }
  return open(file)
}

/** `queue.enqueue(payload)`: one transaction per job. */
export function enqueue1({ workDir, units }) {
  const db = openWith(workDir, 'honker-enqueue-1')
  const queue = db.queue(QUEUE)
  let i = 0
  const result = throughput(() => {
    queue.enqueue({ i: i++ })
    return 1
  }, { units })
  db.close()
  return result
}

/** `queue.enqueueMany(payloads)`: 100 jobs per transaction. */
export function enqueue100({ workDir, units }) {
  const db = openWith(workDir, 'honker-enqueue-100')
  const queue = db.queue(QUEUE)
  let i = 0
  const result = throughput(() => {
    const payloads = new Array(100)
    for (let k = 0; k < 100; k++) payloads[k] = { i: i++ }
    queue.enqueueMany(payloads)
    return 100
  }, { units })
  db.close()
  return result
}

/**
 * `claimOne` + `job.ack()` for a batch of 1, `claimBatch` + `queue.ackBatch` otherwise, with
 * `backlog` ready jobs left behind the ones consumed; `dead` rows in `_honker_dead` first.
 */
export function claimAck({ workDir, units, backlog, batch, dead = 0 }) {
  const warmupUnits = Math.ceil(units / 10)
  const db = openWith(workDir, `honker-claim-${batch}`, (raw) => {
    prefillDead(raw, QUEUE, dead)
    prefillJobs(raw, QUEUE, backlog + units + warmupUnits + 2 * batch)
  })
  const queue = db.queue(QUEUE)
  const step =
    batch === 1
      ? () => {
          const job = queue.claimOne(WORKER)
          if (job === null) throw new Error('claimOne found no job: backlog ran out')
          if (!job.ack()) throw new Error('ack missed')
          return 1
        }
      : () => {
          const jobs = queue.claimBatch(WORKER, batch)
          if (jobs.length !== batch) throw new Error(`claimed ${jobs.length} of ${batch}: backlog ran out`)
          if (queue.ackBatch(jobs, WORKER) !== batch) throw new Error('batch ack missed')
          return batch
        }
  const result = throughput(step, { units, warmupUnits })
  db.close()
  return { ...result, detail: { backlog, dead } }
}

/**
 * The stream API is being added while this suite is written: its figures run only when the
 * build has `db.stream(topic)` with `publish` and `readSince`, and skip with the reason otherwise.
 */
function streamOf(db) {
  if (typeof db.stream !== 'function') skip('db.stream() does not exist in this build of @honker/core')
  const stream = db.stream('bench')
  for (const method of ['publish', 'readSince']) {
    if (typeof stream?.[method] !== 'function') skip(`db.stream(topic).${method} does not exist in this build of @honker/core`)
  }
  return stream
}

/** `stream.publish(payload)`: one transaction per event. */
export function streamPublish1({ workDir, units }) {
  const db = openWith(workDir, 'honker-stream-publish')
  try {
    const stream = streamOf(db)
    let i = 0
    return throughput(() => {
      stream.publish({ i: i++ })
      return 1
    }, { units })
  } finally {
    db.close()
  }
}

/** `stream.readSince(offset, page)` from 0 to the end of a topic of `units` events. */
export function streamReplay({ workDir, units, page }) {
  const db = openWith(workDir, 'honker-stream-replay', (raw) => prefillStream(raw, 'bench', units))
  try {
    const stream = streamOf(db)
    const replayAll = () => {
      let offset = 0
      let events = 0
      for (;;) {
        const batch = stream.readSince(offset, page)
        if (!Array.isArray(batch)) skip('stream.readSince did not return an array')
        if (batch.length === 0) return events
        const last = batch[batch.length - 1]
        if (typeof last?.offset !== 'number') skip('stream.readSince events have no numeric `offset`')
        // A consumer reads every payload; touching it also pays for lazy decoding, as raw does.
        for (const event of batch) void event.payload
        events += batch.length
        offset = last.offset
      }
    }
    replayAll()
    const result = throughput(replayAll, { units, warmupUnits: 0 })
    if (result.units !== units) throw new Error(`replayed ${result.units} of ${units} events`)
    return result
  } finally {
    db.close()
  }
}

/** `db.notify(channel, payload)`: one transaction per notification (when the build has it). */
export function notify1({ workDir, units }) {
  const db = openWith(workDir, 'honker-notify')
  try {
    if (typeof db.notify !== 'function') skip('db.notify() does not exist in this build of @honker/core')
    let i = 0
    return throughput(() => {
      db.notify('bench', { i: i++ })
      return 1
    }, { units })
  } finally {
    db.close()
  }
}

/** `queue.enqueue(payload, { uniqueKey })`: one transaction per job, every key new (issue 17). */
export function enqueueUnique1({ workDir, units }) {
  const db = openWith(workDir, 'honker-enqueue-unique')
  const queue = db.queue(QUEUE)
  let i = 0
  const result = throughput(() => {
    if (!queue.enqueue({ i }, { uniqueKey: `key-${i++}` }).created) throw new Error('a new key was not created')
    return 1
  }, { units })
  db.close()
  return result
}

/**
 * `claimOne` + `job.ack()` on a queue whose claim takes a limited path: `concurrency` (a global
 * limit the single claimer never reaches, so only its cost shows) or `groups` (the backlog spread
 * over `groups` groups with a per-group limit of 4).
 */
export function claimAckLimited({ workDir, units, backlog, limits, groups = 10 }) {
  const warmupUnits = Math.ceil(units / 10)
  const db = openWith(workDir, `honker-claim-${limits}`, (raw) => {
    prefillJobs(raw, QUEUE, backlog + units + warmupUnits + 2)
    if (limits === 'groups') raw.prepare(`UPDATE _honker_live SET group_key = 'tenant-' || (id % ?)`).run(groups)
  })
  const queue = db.queue(QUEUE)
  if (limits === 'concurrency') queue.setConcurrency(1_000)
  else queue.setGroupConcurrency(4)
  const result = throughput(() => {
    const job = queue.claimOne(WORKER)
    if (job === null) throw new Error('claimOne found no job: backlog ran out')
    if (!job.ack()) throw new Error('ack missed')
    return 1
  }, { units, warmupUnits })
  db.close()
  return { ...result, detail: { backlog, limits } }
}

/** Median milliseconds of `fn` over `samples` calls, after a few untimed ones. */
function medianMs(fn, samples) {
  for (let i = 0; i < 5; i++) fn()
  const times = []
  for (let i = 0; i < samples; i++) {
    const start = performance.now()
    fn()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

/** `queue.jobs({ state: 'completed' })` in a history of `rows` finished jobs: the first page and one near the end. */
export function historyPages({ workDir, rows, samples = 200 }) {
  const db = openWith(workDir, 'honker-history', (raw) => {
    raw
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO _honker_history (id, queue, payload, state, attempts, max_attempts, created_at, finished_at)
         SELECT i, ?, '{"i":1}', 'completed', 1, 3, 1700000000, 1700000000 + i FROM n`,
      )
      .run(rows, QUEUE)
  })
  const queue = db.queue(QUEUE)
  const page = (after) => () => {
    if (queue.jobs({ state: 'completed', limit: 100, after }).length !== 100) throw new Error('short page')
  }
  const values = { first: medianMs(page(0), samples), deep: medianMs(page(rows - 1000), samples) }
  db.close()
  return { values, detail: { rows } }
}

/**
 * Fairness: one group of `big` pending jobs enqueued first, then `groups` groups of `small`. A
 * claimer takes batches of 10 and acks them; the figure is the time until every small group's
 * job has started, with a per-group limit of 1 (claims interleave groups) and as plain FIFO.
 */
export function fairness({ workDir, big, groups, small }) {
  const values = {}
  for (const mode of ['grouped', 'fifo']) {
    const db = openWith(workDir, `honker-fair-${mode}`, (raw) => {
      prefillJobs(raw, QUEUE, big + groups * small)
      raw.prepare(`UPDATE _honker_live SET group_key = CASE WHEN id <= ? THEN 'big' ELSE 'small-' || (id % ?) END`).run(big, groups)
    })
    const queue = db.queue(QUEUE)
    if (mode === 'grouped') queue.setGroupConcurrency(1)
    let waiting = groups * small
    const start = performance.now()
    while (waiting > 0) {
      const jobs = queue.claimBatch(WORKER, 10)
      if (jobs.length === 0) throw new Error('the queue ran dry before the small groups started')
      for (const job of jobs) if (job.id > big) waiting--
      queue.ackBatch(jobs, WORKER)
    }
    values[mode] = performance.now() - start
    db.close()
  }
  return { values, detail: { big, groups, small } }
}
