import type { DeadLetterOps } from '../engine/dead-letter-ops.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { mapResult, settle, type Mode, type Result } from '../executor/executor.ts'
import { optionalInteger, requireInteger, requireObject } from '../validate.ts'
import type { JobInfo } from './job-row.ts'

export interface ListDeadOptions {
  /** Most jobs returned. Default 100. */
  limit?: number
  /** Only jobs with a greater id (the last id of the previous page). Default 0. */
  afterId?: number
}

const MAX_PAGE = 100_000

function requireIds(ids: unknown): number[] {
  if (!Array.isArray(ids)) throw new InvalidArgumentError('ids', 'must be an array of job ids')
  return ids.map((id, index) => requireInteger(id, `ids[${index}]`, { min: 1 }))
}

function ascending(ids: number[]): number[] {
  return ids.sort((a, b) => a - b)
}

/**
 * A queue's dead letters (`_honker_dead`): jobs that failed their last attempt, were failed
 * outright, expired, or whose worker died on the last attempt. List them, put them back on the
 * queue (`retry`), or drop them (`delete`). Reach it as `queue.dead`. One class for every engine:
 * values on SQLite, promises on PostgreSQL (`M`).
 *
 * ```ts
 * const emails = db.queue('emails')
 * for (const job of emails.dead.list()) console.log(job.id, job.lastError)
 * emails.dead.retry([41, 42])
 * ```
 */
export class DeadLetters<M extends Mode = 'sync'> {
  readonly queue: string
  readonly #ops: DeadLetterOps<M>

  /** @internal Use `queue.dead`. */
  constructor(ops: DeadLetterOps<M>, queue: string) {
    this.#ops = ops
    this.queue = queue
  }

  /**
   * Dead jobs in id order, a page at a time.
   *
   * ```ts
   * const page = emails.dead.list({ limit: 50 })
   * const next = emails.dead.list({ limit: 50, afterId: page.at(-1)?.id })
   * ```
   */
  list(options: ListDeadOptions = {}): Result<M, JobInfo[]> {
    return settle(this.#ops.mode, () => {
      requireObject(options, 'options')
      const limit = optionalInteger(options.limit, 'limit', { min: 1, max: MAX_PAGE }) ?? 100
      const afterId = optionalInteger(options.afterId, 'afterId', { min: 0 }) ?? 0
      return this.#ops.list(this.queue, afterId, limit)
    })
  }

  /** How many dead jobs the queue has. */
  count(): Result<M, number> {
    return this.#ops.count(this.queue)
  }

  /**
   * Put dead jobs back on the queue, in one transaction: each becomes a pending job again under
   * the same id, due now, with its attempts reset to 0 (its priority, payload, max attempts and
   * created time are kept; it no longer expires). Returns the ids moved, ascending; ids that are
   * not dead jobs of this queue are left out.
   *
   * ```ts
   * const moved = emails.dead.retry([41, 42])
   * ```
   */
  retry(ids: readonly number[]): Result<M, number[]> {
    return settle(this.#ops.mode, () => mapResult(this.#ops.revive(this.queue, requireIds(ids)), ascending))
  }

  /**
   * Put every dead job of the queue back on it (see `retry`); returns the ids moved, ascending.
   *
   * ```ts
   * const moved = emails.dead.retryAll().length
   * ```
   */
  retryAll(): Result<M, number[]> {
    return mapResult(this.#ops.revive(this.queue, null), ascending)
  }

  /**
   * Delete dead jobs for good; returns the ids deleted, ascending (ids that are not dead jobs of
   * this queue are left out).
   *
   * ```ts
   * emails.dead.delete([41])
   * ```
   */
  delete(ids: readonly number[]): Result<M, number[]> {
    return settle(this.#ops.mode, () => mapResult(this.#ops.delete(this.queue, requireIds(ids)), ascending))
  }

  /**
   * Delete every dead job of the queue; returns the ids deleted, ascending.
   *
   * ```ts
   * const deleted = emails.dead.deleteAll().length
   * ```
   */
  deleteAll(): Result<M, number[]> {
    return mapResult(this.#ops.delete(this.queue, null), ascending)
  }
}
