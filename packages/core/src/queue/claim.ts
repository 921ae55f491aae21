import {
  ACK_JOBS,
  COUNT_RUNNING,
  GET_QUEUE_SETTINGS,
  HAS_EXHAUSTED,
  INSERT_DEAD,
  MARK_CLAIMED,
  MARK_MANY_CLAIMED,
  NEXT_CLAIM_AT,
  SELECT_CLAIMABLE,
  TAKE_EXHAUSTED,
  TAKE_EXPIRED,
} from './queue.sql.ts'
import { deadParams, liveRowFromTuple, toNumber, tracedRowFromTuple, type LiveJobRow, type LiveJobTuple, type TracedJobTuple } from './job-row.ts'
import type { JobStore } from './job-store.ts'
import { selectGrouped } from './grouped-claim.ts'
import { settingsFromRow, type QueueSettingsRow } from './queue-settings.ts'
import { ackJournaled, pruneJournal, readJournal, recordEvent } from './journal.ts'
import { SELECT_CLAIMABLE_TRACED } from './trace.sql.ts'

export const MAX_ATTEMPTS_EXCEEDED = 'max attempts exceeded'
export const EXPIRED = 'expired'

/**
 * Claim up to `limit` jobs of `queue` for `workerId` in one write transaction: first dead-letter
 * exhausted claimable jobs (docs/compatibility.md 2.3 step 1), then claim in priority, run_at, id order.
 */
export function claimRows(
  store: JobStore,
  queue: string,
  workerId: string,
  limit: number,
  visibilityTimeoutS: number,
): LiveJobRow[] {
  return store.write(() => claimRowsInTransaction(store, queue, workerId, limit, visibilityTimeoutS))
}

/**
 * The claim's statements, for a caller that already holds the write transaction. The select and
 * the update are one atomic step because the transaction holds the write lock; the rows returned
 * are the selected ones with the update applied, in claim order. `traced` (an instrumented worker)
 * also reads each job's stored trace context into `trace_context`, where the claim path allows.
 */
export function claimRowsInTransaction(
  store: JobStore,
  queue: string,
  workerId: string,
  limit: number,
  visibilityTimeoutS: number,
  traced = false,
): LiveJobRow[] {
  const { executor } = store
  const now = store.nowS()
  const settings = executor.get<QueueSettingsRow>(GET_QUEUE_SETTINGS, [queue])
  let take = limit
  if (settings !== undefined) {
    if (toNumber(settings.paused) !== 0) return []
    if (settings.concurrency !== null) {
      const running = toNumber(executor.get<{ running: number | bigint }>(COUNT_RUNNING, COUNT_RUNNING.bind({ queue, now }))!.running)
      take = Math.min(limit, toNumber(settings.concurrency) - running)
      if (take <= 0) return []
    }
  }
  const events = settings !== undefined && toNumber(settings.events) !== 0
  if (executor.get(HAS_EXHAUSTED, HAS_EXHAUSTED.bind({ queue, now })) !== undefined) {
    const exhausted = executor.all<LiveJobRow>(TAKE_EXHAUSTED, TAKE_EXHAUSTED.bind({ queue, now }))
    for (const row of exhausted) {
      executor.run(INSERT_DEAD, INSERT_DEAD.bind(deadParams(row, MAX_ATTEMPTS_EXCEEDED, now)))
      if (events) recordEvent(store, queue, row.id, 'dead', { reason: MAX_ATTEMPTS_EXCEEDED, attempts: toNumber(row.attempts) }, now)
    }
  }
  let rows: LiveJobRow[]
  if (settings?.group_concurrency != null) {
    rows = selectGrouped(store, queue, now, take, toNumber(settings.group_concurrency)).map(liveRowFromTuple)
  } else if (traced) {
    rows = executor.allRaw<TracedJobTuple>(SELECT_CLAIMABLE_TRACED, SELECT_CLAIMABLE_TRACED.bind({ queue, now, limit: take })).map(tracedRowFromTuple)
  } else {
    rows = executor.allRaw<LiveJobTuple>(SELECT_CLAIMABLE, SELECT_CLAIMABLE.bind({ queue, now, limit: take })).map(liveRowFromTuple)
  }
  if (rows.length === 0) return []
  const claimExpiresAt = now + visibilityTimeoutS
  const mark = { worker_id: workerId, claim_expires_at: claimExpiresAt }
  if (rows.length === 1) {
    executor.run(MARK_CLAIMED, MARK_CLAIMED.bind({ ...mark, id: rows[0]!.id }))
  } else {
    executor.run(MARK_MANY_CLAIMED, MARK_MANY_CLAIMED.bind({ ...mark, ids: JSON.stringify(rows.map((row) => toNumber(row.id))) }))
  }
  for (const row of rows) {
    // A processing row claimed again had a claim that expired: its worker stalled or died.
    if (events && row.state === 'processing') recordEvent(store, queue, row.id, 'stalled', { workerId: row.worker_id, attempts: toNumber(row.attempts) }, now)
    row.state = 'processing'
    row.worker_id = workerId
    row.claim_expires_at = claimExpiresAt
    row.attempts = toNumber(row.attempts) + 1
  }
  return rows
}

/** Ack many jobs in one statement; returns how many were still owned by `workerId`. */
export function ackMany(store: JobStore, queue: string, ids: readonly number[], workerId: string): number {
  store.assertOpen()
  if (ids.length === 0) return 0
  const journal = readJournal(store, queue)
  if (journal !== null) return store.write(() => ids.filter((id) => ackJournaled(store, journal, id, workerId)).length)
  return store.executor.run(ACK_JOBS, [JSON.stringify(ids), workerId, store.nowS()]).changes
}

/** Move expired jobs of `queue` to `_honker_dead` with last_error 'expired'; returns the count. */
export function sweepExpired(store: JobStore, queue: string): number {
  const { executor } = store
  return store.write(() => {
    const now = store.nowS()
    const settingsRow = executor.get<QueueSettingsRow>(GET_QUEUE_SETTINGS, [queue])
    const settings = settingsRow === undefined ? null : settingsFromRow(settingsRow)
    const rows = executor.all<LiveJobRow>(TAKE_EXPIRED, TAKE_EXPIRED.bind({ queue, now }))
    for (const row of rows) {
      executor.run(INSERT_DEAD, INSERT_DEAD.bind(deadParams(row, EXPIRED, now)))
      if (settings?.events === true) recordEvent(store, queue, row.id, 'dead', { reason: EXPIRED, attempts: toNumber(row.attempts) }, now)
    }
    // The sweep also applies the queue's retention (history, dead letters, events).
    if (settings !== null) pruneJournal(store, queue, settings)
    return rows.length
  })
}

/** Unix second at which a claim on `queue` could next succeed, or null when nothing is waiting. */
export function nextClaimAt(store: JobStore, queue: string): number | null {
  store.assertOpen()
  // A paused queue has no next claim: its idle consumers sleep until a wake (resuming is a commit).
  const settings = store.executor.get<QueueSettingsRow>(GET_QUEUE_SETTINGS, [queue])
  if (settings !== undefined && toNumber(settings.paused) !== 0) return null
  const row = store.executor.get<{ next_at: number | bigint | null }>(
    NEXT_CLAIM_AT,
    NEXT_CLAIM_AT.bind({ queue, now: store.nowS() }),
  )
  return row?.next_at == null ? null : toNumber(row.next_at)
}

/**
 * How long an idle consumer may sleep: until the next claimable moment (+1 ms so the whole second
 * has begun), bounded by the fallback poll; null means until a wake.
 */
export function sleepUntilClaimableMs(nextAt: number | null, nowMs: number, fallbackMs: number | null): number | null {
  if (nextAt === null) return fallbackMs
  const untilNext = Math.max(0, nextAt * 1000 - nowMs) + 1
  return fallbackMs === null ? untilNext : Math.min(fallbackMs, untilNext)
}
