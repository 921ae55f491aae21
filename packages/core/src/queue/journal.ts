import { GET_QUEUE_SETTINGS } from './queue.sql.ts'
import {
  INSERT_EVENT,
  INSERT_HISTORY,
  PRUNE_DEAD_AGE,
  PRUNE_DEAD_COUNT,
  PRUNE_EVENTS,
  PRUNE_HISTORY_AGE,
  PRUNE_HISTORY_COUNT,
  TAKE_ACKED,
} from './journal.sql.ts'
import { toNumber } from './job-row.ts'
import type { JobStore } from './job-store.ts'
import { settingsFromRow, type QueueSettings, type QueueSettingsRow } from './queue-settings.ts'

/** What a queue asks to be written beside its jobs' transitions; null when nothing (no settings row). */
export interface Journal {
  history: boolean
  events: boolean
}

/** What `queue.events()` yields: one transition of one job, from any process. */
export type QueueEventKind = 'completed' | 'failed' | 'retried' | 'dead' | 'progress' | 'stalled'

/** How long events are kept for listeners (a listener reads them within moments of the commit). */
export const EVENTS_KEPT_S = 86_400

export function journalOf(settings: QueueSettings): Journal | null {
  const history = settings.keepCompleted !== null
  return history || settings.events ? { history, events: settings.events } : null
}

/** The queue's journal on SQLite: one primary-key probe of `_honker_queues`. */
export function readJournal(store: JobStore, queue: string): Journal | null {
  const row = store.executor.get<QueueSettingsRow>(GET_QUEUE_SETTINGS, [queue])
  return row === undefined ? null : journalOf(settingsFromRow(row))
}

export function recordEvent(store: JobStore, queue: string, jobId: number | bigint, kind: QueueEventKind, data: object, now: number): void {
  store.executor.run(INSERT_EVENT, INSERT_EVENT.bind({ queue, job_id: jobId, kind, data: JSON.stringify(data), now }))
}

interface FinishedRow {
  id: number | bigint
  queue: string
  attempts: number | bigint
  [column: string]: unknown
}

/** Ack one job of a journaled queue: its history row and its 'completed' event, in the caller's write. */
export function ackJournaled(store: JobStore, journal: Journal, id: number, workerId: string, result: string | null = null): boolean {
  const now = store.nowS()
  const [row] = store.executor.all<FinishedRow>(TAKE_ACKED, TAKE_ACKED.bind({ id, worker_id: workerId, now }))
  if (row === undefined) return false
  if (journal.history) store.executor.run(INSERT_HISTORY, INSERT_HISTORY.bind({ ...row, state: 'completed', now, result }))
  if (journal.events) recordEvent(store, row.queue, row.id, 'completed', { attempts: toNumber(row.attempts) }, now)
  return true
}

/** Apply a queue's retention: history by age and count, dead letters likewise, events after a day. */
export function pruneJournal(store: JobStore, queue: string, settings: QueueSettings): number {
  const { executor } = store
  const now = store.nowS()
  let pruned = 0
  const { keepCompleted, keepFailed } = settings
  if (keepCompleted?.maxAgeS != null) pruned += executor.run(PRUNE_HISTORY_AGE, PRUNE_HISTORY_AGE.bind({ queue, before: now - keepCompleted.maxAgeS })).changes
  if (keepCompleted?.maxCount != null) pruned += executor.run(PRUNE_HISTORY_COUNT, PRUNE_HISTORY_COUNT.bind({ queue, keep: keepCompleted.maxCount })).changes
  if (keepFailed?.maxAgeS != null) pruned += executor.run(PRUNE_DEAD_AGE, PRUNE_DEAD_AGE.bind({ queue, before: now - keepFailed.maxAgeS })).changes
  if (keepFailed?.maxCount != null) pruned += executor.run(PRUNE_DEAD_COUNT, PRUNE_DEAD_COUNT.bind({ queue, keep: keepFailed.maxCount })).changes
  if (settings.events) pruned += executor.run(PRUNE_EVENTS, PRUNE_EVENTS.bind({ queue, before: now - EVENTS_KEPT_S })).changes
  return pruned
}
