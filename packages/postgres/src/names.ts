import { createHash } from 'node:crypto'
import { InvalidArgumentError } from '@honker/core/engine'

/** Honker's default schema on PostgreSQL: its tables stay out of the app's `public`. */
export const DEFAULT_SCHEMA = 'honker'

/**
 * Schema names are spliced into SQL as identifiers, so only plain lower-case names pass: no
 * quoting rules to get wrong, and the same name works unquoted in psql.
 */
export function requireSchemaName(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new InvalidArgumentError('schema', `must be a lower-case identifier (a-z, 0-9, _; at most 63), got ${JSON.stringify(value)}`)
  }
  return value
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/**
 * The one NOTIFY channel of a schema. User names never become channel names (Postgres folds and
 * truncates identifiers at 63 bytes); they travel as payloads (`wakeKey`).
 */
export function wakeChannel(schema: string): string {
  return `honker_${sha256(schema).slice(0, 24)}`
}

/** What a wake is about: a queue, a notify channel, a stream topic, a job's result, a lock, the schedules, a queue's events. */
export type WakeTopic = 'q' | 'n' | 's' | 'r' | 'l' | 't' | 'e'

/**
 * The NOTIFY payload for one name: short enough for NOTIFY's 8,000-byte limit whatever the name,
 * since a long name is sent as its hash.
 */
export function wakeKey(topic: WakeTopic, name: string | number): string {
  const text = String(name)
  return Buffer.byteLength(text) > 200 ? `${topic}#${sha256(text)}` : `${topic}:${text}`
}

/** A key for pg_advisory_xact_lock that orders writers of one channel or topic (64-bit, from SQL). */
export function orderingLockName(schema: string, topic: WakeTopic, name: string): string {
  return `${schema}:${topic}:${name}`
}

/** Sent when a task is created, redefined or resumed: the scheduler's leader re-reads its next boundary. */
export const TASKS_WAKE_KEY = 't:tasks'
