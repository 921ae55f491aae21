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
