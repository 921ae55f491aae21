import { createHash } from 'node:crypto'

/** One SQL statement of an engine, prepared per connection under `name`. */
export interface PgStatement {
  readonly name: string
  readonly text: string
}

/**
 * Every statement's `$1` is the time: the `clock` option's unix second when the app set one
 * (tests move time by hand), else NULL, and then the database's own clock. Servers disagree about
 * the time; the database does not, so every app server compares times on one clock.
 */
export const NOW = `coalesce($1::bigint, floor(extract(epoch from statement_timestamp()))::bigint)`

/**
 * Name a statement by its text: two schemas (or two versions of the package) never share a name
 * for different SQL on one connection, which Postgres would refuse.
 */
export function pgStatement(label: string, sql: string): PgStatement {
  const text = /\$1(?!\d)/.test(sql) ? sql : withUnusedClock(sql)
  return { name: `honker_${label}_${createHash('sha1').update(text).digest('hex').slice(0, 10)}`, text }
}

/**
 * A statement that never reads the time still gets `$1` (every call binds it): declared in an
 * unused CTE so Postgres knows its type.
 */
function withUnusedClock(sql: string): string {
  const clock = 'honker_clock AS (SELECT $1::bigint)'
  const trimmed = sql.trimStart()
  return /^WITH\s/i.test(trimmed) ? `WITH ${clock}, ${trimmed.slice(5)}` : `WITH ${clock} ${trimmed}`
}
