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
  /** Optional fast path: run `stmt.insertText` and return the new rowid. */
  insert?(stmt: Statement, params: readonly unknown[]): Result<M, number>
  /** The same for an insert that may do nothing (`ON CONFLICT DO NOTHING`): undefined when it did. */
  insertIfNew?(stmt: Statement, params: readonly unknown[]): Result<M, number | undefined>
}

/**
 * Insert one row and return its rowid, read from the statement's `RETURNING <rowid column>`; an
 * executor with an `insert` fast path skips the RETURNING row.
 */
export function insertRowid<M extends Mode>(
  executor: Executor<M>,
  stmt: Statement,
  params: readonly unknown[],
  column: string,
): Result<M, number> {
  if (executor.insert !== undefined && stmt.insertText !== undefined) return executor.insert(stmt, params)
  return mapResult(executor.all<Record<string, number | bigint>>(stmt, params), (rows) => {
    const value = rows[0]?.[column]
    if (value === undefined) throw new Error(`${stmt.name}: insert returned no ${column}`)
    return typeof value === 'bigint' ? Number(value) : value
  })
}

/**
 * `insertRowid` for an insert that may do nothing (`ON CONFLICT DO NOTHING`): the new rowid, or
 * undefined when no row was inserted. The fast path tells the two apart by the change count.
 */
export function insertRowidIfNew<M extends Mode>(executor: Executor<M>, stmt: Statement, params: readonly unknown[], column: string): Result<M, number | undefined> {
  if (executor.insertIfNew !== undefined && stmt.insertText !== undefined) return executor.insertIfNew(stmt, params)
  return mapResult(executor.all<Record<string, number | bigint>>(stmt, params), (rows) => {
    const value = rows[0]?.[column]
    return value === undefined ? undefined : Number(value)
  })
}

/** Apply `fn` now (sync) or once the promise settles (async); decided by a thenable check. Not named `then`: a module exporting `then` makes its namespace object thenable. */
export function mapResult<M extends Mode, A, B>(value: Result<M, A>, fn: (a: A) => B): Result<M, B> {
  if (isThenable(value)) return (value as unknown as Promise<A>).then(fn) as Result<M, B>
  return fn(value as A) as Result<M, B>
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/**
 * Run `fn` for an engine in `mode`. On an asynchronous engine a synchronous throw (bad input,
 * a closed database) becomes a rejected promise: every method of a promise API rejects and never
 * throws. On a synchronous engine `fn` runs as it is.
 */
export function settle<M extends Mode, T>(mode: M, fn: () => Result<M, T>): Result<M, T> {
  if (mode === 'sync') return fn()
  try {
    return fn()
  } catch (error) {
    return Promise.reject(error) as Result<M, T>
  }
}

/**
 * Run `fn`, handing a failure to `onError` whether it throws (a synchronous engine) or its promise
 * rejects (an asynchronous one); `onError` rethrows what it does not absorb.
 */
export function recoverResult<M extends Mode, T, U>(fn: () => Result<M, T>, onError: (error: unknown) => U): Result<M, T | U> {
  try {
    const value = fn()
    if (isThenable(value)) return (value as unknown as Promise<T>).catch(onError) as Result<M, T | U>
    return value as Result<M, T | U>
  } catch (error) {
    return onError(error) as Result<M, T | U>
  }
}
