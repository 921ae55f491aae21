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
  /** Acked jobs kept in the history, and for how long; null: none kept (honker's behaviour). */
  keepCompleted: Retention | null
  /** Bounds on the queue's dead letters; null: kept until deleted (honker's behaviour). */
  keepFailed: Retention | null
  /** Whether the queue records job events for `queue.events()`. */
  events: boolean
}

/** How much of a queue's finished jobs to keep: at least one bound is set. */
export interface Retention {
  /** Prune those finished longer ago than this many seconds; null: no age bound. */
  maxAgeS: number | null
  /** Keep only the newest this many; null: no count bound. */
  maxCount: number | null
}

/** A retention as given to `setHistory`: at least one of the bounds. */
export interface RetentionInput {
  maxAgeS?: number | null
  maxCount?: number | null
}

/** What one settings write changes: a field left out stays as it is. */
export interface QueueSettingsChange {
  paused?: boolean
  concurrency?: number | null
  groupConcurrency?: number | null
  keepCompleted?: Retention | null
  keepFailed?: Retention | null
  events?: boolean
}

export const NO_SETTINGS: QueueSettings = Object.freeze({
  paused: false,
  concurrency: null,
  groupConcurrency: null,
  keepCompleted: null,
  keepFailed: null,
  events: false,
})

const num = (value: number | bigint | string | null): number | null => (value === null ? null : toNumber(value))

function retention(age: number | bigint | string | null, count: number | bigint | string | null): Retention | null {
  return age === null && count === null ? null : { maxAgeS: num(age), maxCount: num(count) }
}

export function settingsFromRow(row: QueueSettingsRow | undefined): QueueSettings {
  if (row === undefined) return { ...NO_SETTINGS }
  return {
    paused: toNumber(row.paused) !== 0,
    concurrency: num(row.concurrency),
    groupConcurrency: num(row.group_concurrency),
    keepCompleted: retention(row.keep_completed_s, row.keep_completed_count),
    keepFailed: retention(row.keep_failed_s, row.keep_failed_count),
    events: toNumber(row.events) !== 0,
  }
}

/** `{ maxAgeS?, maxCount? }` with at least one bound, or null to keep nothing (completed) or everything (failed). */
export function requireRetention(value: unknown, argument: string): Retention | null {
  if (value === null) return null
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, 'must be { maxAgeS?, maxCount? } with at least one bound, or null')
  }
  const { maxAgeS, maxCount } = value as { maxAgeS?: unknown; maxCount?: unknown }
  const bound = (bound: unknown, name: string): number | null => {
    if (bound === undefined || bound === null) return null
    if (typeof bound !== 'number' || !Number.isSafeInteger(bound) || bound < 1) {
      throw new InvalidArgumentError(`${argument}.${name}`, `must be a whole number >= 1, got ${String(bound)}`)
    }
    return bound
  }
  const result = { maxAgeS: bound(maxAgeS, 'maxAgeS'), maxCount: bound(maxCount, 'maxCount') }
  if (result.maxAgeS === null && result.maxCount === null) {
    throw new InvalidArgumentError(argument, 'needs maxAgeS or maxCount (null turns it off)')
  }
  return result
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
    set_keep_completed: change.keepCompleted === undefined ? 0 : 1,
    keep_completed_s: change.keepCompleted?.maxAgeS ?? null,
    keep_completed_count: change.keepCompleted?.maxCount ?? null,
    set_keep_failed: change.keepFailed === undefined ? 0 : 1,
    keep_failed_s: change.keepFailed?.maxAgeS ?? null,
    keep_failed_count: change.keepFailed?.maxCount ?? null,
    events: change.events === undefined ? null : Number(change.events),
  }
}
