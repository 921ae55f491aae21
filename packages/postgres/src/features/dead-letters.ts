import { InvalidArgumentError, optionalInteger, requireInteger, requireObject, type JobInfo } from '@honker/core/engine'
import type { ListDeadOptions } from '@honker/core'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { deadRowToInfo, type PgJobRow } from './job-row.ts'

const MAX_PAGE = 100_000

/** One queue's dead letters: list, count, retry (under the same id) and delete. */
export class PgDeadLetters {
  readonly queue: string
  readonly #engine: PgEngine

  /** @internal */
  constructor(engine: PgEngine, queue: string) {
    this.#engine = engine
    this.queue = queue
  }

  async list(options: ListDeadOptions = {}): Promise<JobInfo[]> {
    requireObject(options, 'options')
    const limit = optionalInteger(options.limit, 'limit', { min: 1, max: MAX_PAGE }) ?? 100
    const afterId = optionalInteger(options.afterId, 'afterId', { min: 0 }) ?? 0
    const { rows } = await this.#engine.query<PgJobRow>(this.#engine.jobs.listDead, [this.queue, afterId, limit])
    return rows.map(deadRowToInfo)
  }

  async count(): Promise<number> {
    const { rows } = await this.#engine.query<{ count: string }>(this.#engine.jobs.countDead, [this.queue])
    return Number(rows[0]!.count)
  }

  /** Back to pending, attempts reset, same ids; returns the ids revived. */
  retry(ids: readonly number[]): Promise<number[]> {
    return this.#revive(requireIds(ids))
  }

  retryAll(): Promise<number[]> {
    return this.#revive(null)
  }

  delete(ids: readonly number[]): Promise<number[]> {
    return this.#delete(requireIds(ids))
  }

  deleteAll(): Promise<number[]> {
    return this.#delete(null)
  }

  async #revive(ids: number[] | null): Promise<number[]> {
    if (ids?.length === 0) return []
    const { rows } = await this.#engine.query<{ id: string }>(this.#engine.jobs.reviveDead, [this.queue, ids, wakeKey('q', this.queue)])
    return rows.map((row) => Number(row.id))
  }

  async #delete(ids: number[] | null): Promise<number[]> {
    if (ids?.length === 0) return []
    const { rows } = await this.#engine.query<{ id: string }>(this.#engine.jobs.deleteDead, [this.queue, ids])
    return rows.map((row) => Number(row.id)).sort((a, b) => a - b)
  }
}

function requireIds(ids: unknown): number[] {
  if (!Array.isArray(ids)) throw new InvalidArgumentError('ids', 'must be an array of job ids')
  return ids.map((id) => requireInteger(id, 'ids[]', { min: 1 }))
}
