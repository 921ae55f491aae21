import type { Statement } from '../sql/statement.ts'

/**
 * The seam that keeps ORM adapters thin: core runs every statement through an executor that is
 * either synchronous (better-sqlite3, Drizzle on better-sqlite3) or asynchronous (Kysely, Prisma,
 * Drizzle's async drivers). Operations that may run inside a caller's transaction are one
 * statement each, so the same code returns a value or a promise without branching.
 */
export type Mode = 'sync' | 'async'
export type Result<M extends Mode, T> = { sync: T; async: Promise<T> }[M]

export interface Executor<M extends Mode = Mode> {
  readonly mode: M
  all<Row>(stmt: Statement, params: readonly unknown[]): Result<M, Row[]>
  run(stmt: Statement, params: readonly unknown[]): Result<M, { changes: number }>
}

/** Apply `fn` now (sync) or once the promise settles (async); decided by a thenable check. Not named `then`: a module exporting `then` makes its namespace object thenable. */
export function mapResult<M extends Mode, A, B>(value: Result<M, A>, fn: (a: A) => B): Result<M, B> {
  if (isThenable(value)) return (value as unknown as Promise<A>).then(fn) as Result<M, B>
  return fn(value as A) as Result<M, B>
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}
