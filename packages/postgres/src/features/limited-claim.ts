import { settingsFromRow, type ClaimedRow, type QueueSettingsRow } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { orderingLockName, wakeKey } from '../names.ts'
import { runTransaction } from './transaction.ts'

/** What the plain claim reports for a queue whose settings change its claim (a row of `_honker_queues`). */
export type ClaimLimits = QueueSettingsRow | null

/** The transactions of limited claims belong to no database's `tx`. */
const LIMITED_CLAIM = {}

/**
 * The claim of a queue that is paused or has a limit. In READ COMMITTED each statement sees what
 * committed before it began, so the advisory lock is taken in a statement of its own: the claim
 * statement after it sees every claim committed by whoever held the lock before, and no two
 * claimers can both count the same free slot.
 */
export async function claimLimited(
  engine: PgEngine,
  limits: QueueSettingsRow,
  queue: string,
  workerId: string,
  limit: number,
  visibilityTimeoutS: number,
): Promise<ClaimedRow[]> {
  const settings = settingsFromRow(limits)
  if (settings.paused || limit <= 0) return []
  return runTransaction(engine, LIMITED_CLAIM, async (tx) => {
    const runner = tx.runnerFor(LIMITED_CLAIM)
    const lock = settings.groupConcurrency === null ? engine.jobs.lockQueue : engine.jobs.lockQueueGeneric
    await engine.query(lock, [orderingLockName(engine.schema, 'q', queue)], runner)
    const { rows } =
      settings.groupConcurrency === null
        ? await engine.query<{ claimed: ClaimedRow[] }>(engine.jobs.claimCapped, [queue, workerId, limit, visibilityTimeoutS, settings.concurrency], runner)
        : await engine.query<{ claimed: ClaimedRow[] }>(
            engine.jobs.claimGrouped,
            [queue, workerId, limit, visibilityTimeoutS, settings.concurrency, settings.groupConcurrency],
            runner,
          )
    return rows[0]!.claimed
  })
}

/**
 * Finished jobs of a limited queue free slots that idle consumers in other processes wait for:
 * wake them, as a new job would (only limited queues pay for this).
 */
export async function wakeLimited(engine: PgEngine, queue: string): Promise<void> {
  await engine.query(engine.jobs.wakeQueue, [wakeKey('q', queue)])
}
