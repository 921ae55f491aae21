import type { JobInfo, ResultLookup } from '@honker/core'

export type Awaitable<T> = T | Promise<T>

/**
 * The public API the dashboard calls, as both engines have it: `@honker/core`'s Database returns
 * values, `@honker/postgres`'s PgDatabase promises. Every call is awaited.
 */
export interface HonkerApi {
  queue(name: string): {
    getJob(id: number): Awaitable<JobInfo | null>
    listJobs(options: { state?: 'pending' | 'delayed' | 'processing'; afterId?: number; limit?: number }): Awaitable<JobInfo[]>
    enqueue(payload: unknown, options: { priority?: number; maxAttempts?: number }): Awaitable<number>
    /** Queue features: absent before them. */
    pause?(): Awaitable<void>
    resume?(): Awaitable<void>
    readonly dead: {
      list(options: { afterId?: number; limit?: number }): Awaitable<JobInfo[]>
      retry(ids: readonly number[]): Awaitable<number[]>
      retryAll(): Awaitable<number[]>
      delete(ids: readonly number[]): Awaitable<number[]>
      deleteAll(): Awaitable<number[]>
    }
  }
  scheduler(): {
    pause(name: string): Awaitable<boolean>
    resume(name: string): Awaitable<boolean>
  }
  getResult(jobId: number): Awaitable<ResultLookup<unknown>>
}

/** A read-only SQL runner: `?` placeholders, rows as objects. */
export interface SqlReader {
  all(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
  /** A table's qualified name in SQL (`_honker_live`, or `honker._honker_live`). */
  table(name: string): string
  /** The `_honker_*` tables that exist, and their columns. */
  tables(): Promise<Map<string, Set<string>>>
  /**
   * Whether `_honker_dead` has an index that starts with `queue` (PostgreSQL's schema has one;
   * honker's SQLite schema does not), so a queue's dead jobs are found without a scan.
   */
  deadIndexed(): Promise<boolean>
}
