import { ACK_JOB, HEARTBEAT_JOB, INSERT_DEAD, RELEASE_JOB, RETRY_JOB, TAKE_OWNED_JOB } from './queue.sql.ts'
import { deadParams, toNumber, type LiveJobRow } from './job-row.ts'
import type { JobStore } from './job-store.ts'
import { ackJournaled, readJournal, recordEvent } from './journal.ts'

/**
 * Transitions of a claimed job (docs/compatibility.md 2.3). Each needs the worker's unexpired claim and
 * returns whether it took effect: false means the claim lapsed, the job was reclaimed by another
 * worker, or it was cancelled.
 */

export function ack(store: JobStore, queue: string, id: number, workerId: string): boolean {
  store.assertOpen()
  const journal = readJournal(store, queue)
  if (journal !== null) return store.write(() => ackJournaled(store, journal, id, workerId))
  return store.executor.run(ACK_JOB, [id, workerId, store.nowS()]).changes === 1
}

/** Back to pending after `delayS`, or to `_honker_dead` with `error` when attempts are used up. */
export function retry(store: JobStore, queue: string, id: number, workerId: string, delayS: number, error: string): boolean {
  const { executor } = store
  return store.write(() => {
    const now = store.nowS()
    const owned = { id, worker_id: workerId, now }
    const runAt = now + delayS
    if (executor.run(RETRY_JOB, RETRY_JOB.bind({ ...owned, run_at: runAt })).changes === 1) {
      if (readJournal(store, queue)?.events === true) recordEvent(store, queue, id, 'retried', { error, runAt }, now)
      return true
    }
    return moveToDead(store, queue, owned, error)
  })
}

/** Straight to `_honker_dead`, whatever attempts remain. */
export function fail(store: JobStore, queue: string, id: number, workerId: string, error: string): boolean {
  return store.write(() => moveToDead(store, queue, { id, worker_id: workerId, now: store.nowS() }, error))
}

function moveToDead(store: JobStore, queue: string, owned: { id: number; worker_id: string; now: number }, error: string): boolean {
  const [row] = store.executor.all<LiveJobRow>(TAKE_OWNED_JOB, TAKE_OWNED_JOB.bind(owned))
  if (row === undefined) return false
  store.executor.run(INSERT_DEAD, INSERT_DEAD.bind(deadParams(row, error, owned.now)))
  if (readJournal(store, queue)?.events === true) {
    recordEvent(store, queue, row.id, 'failed', { error, attempts: toNumber(row.attempts) }, owned.now)
  }
  return true
}

/** Set the claim to expire `extendS` seconds from now; returns the new expiry, or null if not owned. */
export function heartbeat(store: JobStore, id: number, workerId: string, extendS: number): number | null {
  store.assertOpen()
  const now = store.nowS()
  const claimExpiresAt = now + extendS
  const { changes } = store.executor.run(
    HEARTBEAT_JOB,
    HEARTBEAT_JOB.bind({ id, worker_id: workerId, now, claim_expires_at: claimExpiresAt }),
  )
  return changes === 1 ? claimExpiresAt : null
}

/** Give the job back to the queue without counting this attempt. */
export function release(store: JobStore, id: number, workerId: string): boolean {
  store.assertOpen()
  return store.executor.run(RELEASE_JOB, RELEASE_JOB.bind({ id, worker_id: workerId, now: store.nowS() })).changes === 1
}

/** Text stored as `last_error`: the message of an Error (with its name), or the string as given. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`
  if (error === undefined || error === null) return ''
  if (typeof error === 'string') return error
  try {
    return String(error)
  } catch {
    // A thrown null-prototype object (or one whose toString throws) must still dead-letter or
    // retry its job; failing here would leave the job claimed until its visibility timeout.
    return Object.prototype.toString.call(error)
  }
}
