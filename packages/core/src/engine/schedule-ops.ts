import type { Mode, Result } from '../executor/executor.ts'
import type { Lock } from '../lock/lock.ts'
import type { FiredJob } from '../scheduler/tick.ts'
import type { TaskRow, TaskValues } from '../scheduler/task-row.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'
import type { LockOps } from './coordination-ops.ts'

/**
 * The storage operations behind schedules, one implementation per engine; `Scheduler` and its
 * leader loop `SchedulerRunner` are written once over them (see coordination-ops.ts for
 * `Result<M, T>`). What a definition means (comparison, merging, the next boundary, catch-up) is
 * decided in core; the engine supplies the transactions, its clock and the statements.
 */
export interface ScheduleOps<M extends Mode, Tx = unknown> {
  /** 'sync' on SQLite, 'async' on PostgreSQL. */
  readonly mode: M
  /** The leader's lease lives in the engine's locks. */
  readonly locks: LockOps<M, Tx>
  /** The largest payload (JSON bytes) a task may carry. */
  readonly maxPayloadBytes: number
  /**
   * Read task `name` (locked against concurrent edits) and the engine's unix second, in one write
   * transaction; write what `edit` returns (a create or a full redefinition; `enabled` is kept),
   * or nothing for null. True when it wrote. A throw from `edit` rolls back and propagates.
   */
  editTask(name: string, edit: (row: TaskRow | undefined, nowS: number) => TaskValues | null): Result<M, boolean>
  /** Delete a task; true when it existed. */
  remove(name: string): Result<M, boolean>
  /** Set `enabled` from the other value; true when it changed. */
  setEnabled(name: string, enabled: boolean): Result<M, boolean>
  get(name: string): Result<M, TaskRow | undefined>
  /** Every task by name. */
  list(): Result<M, TaskRow[]>
  /** The earliest `next_fire_at` of an enabled task, or null. */
  soonest(): Result<M, number | null>
  /**
   * Fire what is due at `nowS` (default: the engine's now) in one transaction, planned by
   * `planTick`. With `lease`, first renew it in that transaction and fire nothing (null) unless it
   * is still held: the leader's fence, so a leader frozen past its TTL never fires.
   */
  tick(nowS: number | undefined, lease?: Lock<M, Tx>): Result<M, FiredJob[] | null>
  /** Milliseconds on the engine's clock (a task is due once it reaches the boundary's second). */
  nowMs(): Result<M, number>
  /** Wakes the leader loop waits on: lock releases and task changes; subscribe before reading. */
  subscribe(): WakeSubscription
}
