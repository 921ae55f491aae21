/**
 * honker 0.5.1 native module figures, driven through its SQL functions the way its own Node
 * wrapper does (one writer transaction per call). This module runs in its own process and loads
 * nothing that brings better-sqlite3 along (see src/lib/native.cjs).
 */
import { createRequire } from 'node:module'
import { freshPath } from '../lib/files.mjs'
import { throughput } from '../lib/measure.mjs'
import { skip } from '../lib/skip.mjs'
import { PREFILL_JOBS_SQL, PREFILL_STREAM_SQL, QUEUE } from '../lib/sql.mjs'

const { loadNative, inTx } = createRequire(import.meta.url)('../lib/native.cjs')
const WORKER = 'native-worker'
const VISIBILITY_S = 300

function native() {
  const loaded = loadNative()
  if (loaded.honker === undefined) skip(loaded.reason)
  return loaded
}

function openNative(workDir, name) {
  return native().honker.open(freshPath(workDir, name))
}

/** Version of the module and of the SQLite it links (the system libsqlite3). */
export function probe({ workDir }) {
  const { honker, version } = native()
  const db = honker.open(freshPath(workDir, 'native-probe'))
  const sqliteVersion = db.query('SELECT sqlite_version() AS v')[0].v
  db.close()
  return { value: 1, detail: { version, sqliteVersion } }
}

/** `honker_enqueue` in its own transaction per job. */
export function enqueue1({ workDir, units }) {
  const db = openNative(workDir, 'native-enqueue-1')
  let i = 0
  const result = throughput(() => {
    inTx(db, (tx) => tx.query('SELECT honker_enqueue(?, ?, ?, ?, ?, ?, ?) AS id', [QUEUE, JSON.stringify({ i: i++ }), null, null, 0, 3, null]))
    return 1
  }, { units })
  db.close()
  return result
}

/** 100 `honker_enqueue` calls per transaction. */
export function enqueue100({ workDir, units }) {
  const db = openNative(workDir, 'native-enqueue-100')
  let i = 0
  const result = throughput(() => {
    inTx(db, (tx) => {
      for (let k = 0; k < 100; k++) {
        tx.query('SELECT honker_enqueue(?, ?, ?, ?, ?, ?, ?) AS id', [QUEUE, JSON.stringify({ i: i++ }), null, null, 0, 3, null])
      }
    })
    return 100
  }, { units })
  db.close()
  return result
}

/**
 * `honker_claim_batch` then `honker_ack` (batch of 1) or `honker_ack_batch`, each in its own
 * transaction, with `backlog` ready jobs behind the consumed ones. honker's claim walks the whole
 * due backlog, so `maxMs` bounds the run and the figure is what was done in that time.
 */
export function claimAck({ workDir, units, backlog, batch, maxMs }) {
  const db = openNative(workDir, `native-claim-${batch}`)
  const warmupUnits = Math.min(Math.ceil(units / 10), 50)
  inTx(db, (tx) => tx.execute(PREFILL_JOBS_SQL, [backlog + units + warmupUnits + 2 * batch, QUEUE]))
  const step = () => {
    const text = inTx(db, (tx) => tx.query('SELECT honker_claim_batch(?, ?, ?, ?) AS r', [QUEUE, WORKER, batch, VISIBILITY_S])[0].r)
    const jobs = JSON.parse(text)
    if (jobs.length !== batch) throw new Error(`claimed ${jobs.length} of ${batch}: backlog ran out`)
    const acked =
      batch === 1
        ? inTx(db, (tx) => tx.query('SELECT honker_ack(?, ?) AS n', [jobs[0].id, WORKER])[0].n)
        : inTx(db, (tx) => tx.query('SELECT honker_ack_batch(?, ?) AS n', [JSON.stringify(jobs.map((j) => j.id)), WORKER])[0].n)
    if (acked !== batch) throw new Error('ack missed')
    return batch
  }
  const result = throughput(step, { units, warmupUnits, maxMs, minUnits: Math.min(units, 50) })
  db.close()
  return { ...result, detail: { backlog, timeBounded: result.units < units } }
}

/** `honker_stream_publish` in its own transaction per event. */
export function streamPublish1({ workDir, units }) {
  const db = openNative(workDir, 'native-stream-publish')
  let i = 0
  const result = throughput(() => {
    inTx(db, (tx) => tx.query('SELECT honker_stream_publish(?, ?, ?) AS o', ['bench', null, JSON.stringify({ i: i++ })]))
    return 1
  }, { units })
  db.close()
  return result
}

/** `honker_stream_read_since` pages of `page` from offset 0, parsing every payload. */
export function streamReplay({ workDir, units, page }) {
  const db = openNative(workDir, 'native-stream-replay')
  inTx(db, (tx) => tx.execute(PREFILL_STREAM_SQL, [units, 'bench']))
  const replayAll = () => {
    let offset = 0
    let events = 0
    for (;;) {
      const text = inTx(db, (tx) => tx.query('SELECT honker_stream_read_since(?, ?, ?) AS r', ['bench', offset, page])[0].r)
      const rows = JSON.parse(text)
      if (rows.length === 0) return events
      for (const row of rows) row.payload = JSON.parse(row.payload)
      events += rows.length
      offset = rows[rows.length - 1].offset
    }
  }
  replayAll()
  const result = throughput(replayAll, { units, warmupUnits: 0 })
  if (result.units !== units) throw new Error(`replayed ${result.units} of ${units} events`)
  db.close()
  return result
}

/** `tx.notify(channel, payload)` in its own transaction per notification. */
export function notify1({ workDir, units }) {
  const db = openNative(workDir, 'native-notify')
  let i = 0
  const result = throughput(() => {
    inTx(db, (tx) => tx.notify('bench', { i: i++ }))
    return 1
  }, { units })
  db.close()
  return result
}
