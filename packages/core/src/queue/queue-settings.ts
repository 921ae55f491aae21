import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { toNumber } from './job-row.ts'

/** A `_honker_queues` row as an engine reads it (integers as numbers, bigints or pg's strings). */
export interface QueueSettingsRow {
  paused: number | bigint | string
  concurrency: number | bigint | string | null
  group_concurrency: number | bigint | string | null
  keep_completed_s: number | bigint | string | null
  keep_completed_count: number | bigint | string | null
  keep_failed_s: number | bigint | string | null
  keep_failed_count: number | bigint | string | null
  events: number | bigint | string
}

/**
 * A queue's settings, shared by every process on the database (`_honker_queues`). A queue
 * without settings behaves as one with `paused: false` and no limits.
 */
export interface QueueSettings {
  /** A paused queue hands out no claims; running jobs finish. */
  paused: boolean
  /** At most this many jobs of the queue processing at once, across every worker and process; null: no limit. */
  concurrency: number | null
  /** At most this many jobs of one group processing at once; null: no limit. */
  groupConcurrency: number | null
}

/** What one settings write changes: a field left out stays as it is. */
export interface QueueSettingsChange {
  paused?: boolean
  concurrency?: number | null
  groupConcurrency?: number | null
}

export const NO_SETTINGS: QueueSettings = Object.freeze({ paused: false, concurrency: null, groupConcurrency: null })

export function settingsFromRow(row: QueueSettingsRow | undefined): QueueSettings {
  if (row === undefined) return { ...NO_SETTINGS }
  return {
    paused: toNumber(row.paused) !== 0,
    concurrency: row.concurrency === null ? null : toNumber(row.concurrency),
    groupConcurrency: row.group_concurrency === null ? null : toNumber(row.group_concurrency),
  }
}

/** A limit: a whole number from 1, or null to remove it. */
export function requireLimit(value: unknown, argument: string): number | null {
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, `must be a whole number >= 1, or null for no limit; got ${String(value)}`)
  }
  return value
}

/** The named parameters of UPSERT_QUEUE_SETTINGS for a change (and of the Postgres statement, in order). */
export function settingsParams(queue: string, change: QueueSettingsChange): Record<string, unknown> {
  return {
    queue,
    paused: change.paused === undefined ? null : Number(change.paused),
    concurrency: change.concurrency ?? null,
    set_concurrency: change.concurrency === undefined ? 0 : 1,
    group_concurrency: change.groupConcurrency ?? null,
    set_group_concurrency: change.groupConcurrency === undefined ? 0 : 1,
  }
}
