import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { optionalInteger, requireInteger, requireObject } from '../validate.ts'
import { COUNT_DEAD, DELETE_ALL_DEAD, DELETE_DEAD, LIST_DEAD, REVIVE_ALL_DEAD, REVIVE_DEAD } from './dead-letter.sql.ts'
import { deadRowToInfo, toNumber, type DeadJobRow, type JobInfo } from './job-row.ts'
import type { JobStore } from './job-store.ts'

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

function sortedIds(rows: { id: number | bigint }[]): number[] {
  return rows.map((row) => toNumber(row.id)).sort((a, b) => a - b)
}

/**
 * A queue's dead letters (`_honker_dead`): jobs that failed their last attempt, were failed
 * outright, expired, or whose worker died on the last attempt. List them, put them back on the
 * queue (`retry`), or drop them (`delete`). Reach it as `queue.dead`.
 *
 * ```ts
 * const emails = db.queue('emails')
 * for (const job of emails.dead.list()) console.log(job.id, job.lastError)
 * emails.dead.retry([41, 42])
 * ```
 */
export class DeadLetters {
  readonly queue: string
  readonly #store: JobStore

  /** @internal Use `queue.dead`. */
  constructor(store: JobStore, queue: string) {
    this.#store = store
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
  list(options: ListDeadOptions = {}): JobInfo[] {
    requireObject(options, 'options')
    const limit = optionalInteger(options.limit, 'limit', { min: 1, max: MAX_PAGE }) ?? 100
    const afterId = optionalInteger(options.afterId, 'afterId', { min: 0 }) ?? 0
    this.#store.assertOpen()
    const rows = this.#store.executor.all<DeadJobRow>(LIST_DEAD, LIST_DEAD.bind({ queue: this.queue, after_id: afterId, limit }))
    return rows.map(deadRowToInfo)
  }

  /** How many dead jobs the queue has. */
  count(): number {
    this.#store.assertOpen()
    const row = this.#store.executor.get<{ count: number | bigint }>(COUNT_DEAD, COUNT_DEAD.bind({ queue: this.queue }))
    return toNumber(row?.count ?? 0)
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
  retry(ids: readonly number[]): number[] {
    const wanted = requireIds(ids)
    if (wanted.length === 0) return []
    return this.#store.write(() => this.#revive(JSON.stringify(wanted)))
  }

  /**
   * Put every dead job of the queue back on it (see `retry`); returns the ids moved, ascending.
   *
   * ```ts
   * const moved = emails.dead.retryAll().length
   * ```
   */
  retryAll(): number[] {
    return this.#store.write(() => this.#revive(null))
  }

  /**
   * Delete dead jobs for good; returns the ids deleted, ascending (ids that are not dead jobs of
   * this queue are left out).
   *
   * ```ts
   * emails.dead.delete([41])
   * ```
   */
  delete(ids: readonly number[]): number[] {
    const wanted = requireIds(ids)
    if (wanted.length === 0) return []
    this.#store.assertOpen()
    const rows = this.#store.executor.all<{ id: number | bigint }>(
      DELETE_DEAD,
      DELETE_DEAD.bind({ queue: this.queue, ids: JSON.stringify(wanted) }),
    )
    return sortedIds(rows)
  }

  /**
   * Delete every dead job of the queue; returns the ids deleted, ascending.
   *
   * ```ts
   * const deleted = emails.dead.deleteAll().length
   * ```
   */
  deleteAll(): number[] {
    this.#store.assertOpen()
    const rows = this.#store.executor.all<{ id: number | bigint }>(DELETE_ALL_DEAD, DELETE_ALL_DEAD.bind({ queue: this.queue }))
    return sortedIds(rows)
  }

  /** Insert into `_honker_live` first (it reads the dead rows), then delete exactly those ids. */
  #revive(ids: string | null): number[] {
    const { executor } = this.#store
    const now = this.#store.nowS()
    const rows =
      ids === null
        ? executor.all<{ id: number | bigint }>(REVIVE_ALL_DEAD, REVIVE_ALL_DEAD.bind({ queue: this.queue, now }))
        : executor.all<{ id: number | bigint }>(REVIVE_DEAD, REVIVE_DEAD.bind({ queue: this.queue, now, ids }))
    const revived = sortedIds(rows)
    if (revived.length > 0) {
      executor.run(DELETE_DEAD, DELETE_DEAD.bind({ queue: this.queue, ids: JSON.stringify(revived) }))
    }
    return revived
  }
}
