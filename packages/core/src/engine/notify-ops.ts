import type { Mode, Result } from '../executor/executor.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'

/** A `_honker_notifications` row as an engine reads it (integers as numbers, bigints or strings). */
export interface NotificationRow {
  id: number | bigint | string
  channel: string
  payload: string
  created_at: number | bigint | string
}

/** Retention for `pruneNotifications`: by age, by count over all channels, or both. */
export interface PruneLimits {
  olderThanS?: number
  maxKeep?: number
}

/**
 * The storage operations behind notify/listen, one implementation per engine; `Listener` and
 * `NotificationPruner` are written once over them (see coordination-ops.ts for `Result<M, T>`).
 */
export interface NotifyOps<M extends Mode, Tx = unknown> {
  /** 'sync' on SQLite, 'async' on PostgreSQL. */
  readonly mode: M
  /** Validate, encode and insert a notification, in `tx` when given; its id. Wakes the channel's listeners. */
  insert(channel: string, payload: unknown, tx: Tx | undefined): Result<M, number>
  /** The channel's newest id now: a listener starts after it (no replay). */
  lastId(channel: string): Result<M, number>
  /** Up to `limit` notifications of `channel` after `afterId`, in id order. */
  read(channel: string, afterId: number, limit: number): Result<M, NotificationRow[]>
  /** Delete old notifications in one transaction; how many. */
  prune(limits: PruneLimits): Result<M, number>
  /** Wakes for `channel` (any commit where the engine cannot tell them apart); subscribe before reading. */
  subscribe(channel: string): WakeSubscription
}
