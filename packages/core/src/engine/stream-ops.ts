import type { Mode, Result } from '../executor/executor.ts'
import type { StreamEventRow } from '../stream/stream-event.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'

/**
 * The storage operations behind durable streams, one implementation per engine; `Stream` and
 * `StreamSubscription` are written once over them (see coordination-ops.ts for `Result<M, T>`).
 */
export interface StreamOps<M extends Mode, Tx = unknown> {
  /** 'sync' on SQLite, 'async' on PostgreSQL. */
  readonly mode: M
  /** Validate, encode and append one event, in `tx` when given; its offset. Wakes the topic's subscribers. */
  publish(topic: string, payload: unknown, options: { key?: string | null }, tx: Tx | undefined): Result<M, number>
  /** Up to `limit` events of `topic` after `after`, in offset order. */
  read(topic: string, after: number, limit: number): Result<M, StreamEventRow[]>
  /** Move `consumer`'s offset on `topic` forward (never back), in `tx` when given; true when it moved. */
  saveOffset(consumer: string, topic: string, offset: number, tx: Tx | undefined): Result<M, boolean>
  /** `consumer`'s saved offset on `topic`, 0 when it has none. */
  getOffset(consumer: string, topic: string): Result<M, number>
  /** Wakes for `topic` (any commit where the engine cannot tell them apart); subscribe before reading. */
  subscribe(topic: string): WakeSubscription
  /** Whether the database still takes writes: a closing subscription saves its offset only then. */
  isOpen(): boolean
  /** Milliseconds on the database's clock, for `saveEveryS`. */
  nowMs(): number
}
