import type { EnqueueOptions, UniqueEnqueueResult } from '@honker/core'
import type { WorkerProcess } from './helpers.ts'

/**
 * How the conformance suite drives one integration: the standalone core API or an ORM adapter.
 * Everything user-side goes through the ORM (its transaction object, its business write); the
 * suite then checks the outcome through Honker's own API and a plain SQLite connection.
 */
export interface AdapterHarness {
  /** Shown in test names: 'core', 'drizzle-better-sqlite3', 'kysely', 'prisma', 'kysely-postgres'. */
  name: string
  /**
   * Open the app's ORM on `file` (SQLite; a PostgreSQL harness makes a fresh database instead),
   * create the app table `orders (id INTEGER PRIMARY KEY, note TEXT)` through it, and set Honker
   * up through the adapter (`createHonker`).
   */
  open(file: string): Promise<HarnessSession>
}

export interface HarnessSession {
  /**
   * The Honker database the adapter set up (`@honker/core`'s, or `@honker/postgres`'s whose calls
   * return promises: the suite awaits every call).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  honker: any
  /**
   * Count rows through a connection of its own: what other processes see. Default: a read-only
   * better-sqlite3 connection on the file (a PostgreSQL harness runs `sql` on a pool of its own,
   * with Honker's tables on its search path).
   */
  count?(sql: string): Promise<number>
  /** A worker for `queue` in another process, woken by commits only. Default: core's on the file. */
  spawnWorker?(queue: string): WorkerProcess
  /**
   * Run `fn` inside the ORM's own transaction and resolve with its result; a throw inside rolls
   * the transaction back and rejects. Sync ORMs (Drizzle on better-sqlite3) call `fn` synchronously.
   */
  transaction<T>(fn: (tx: unknown) => T | Promise<T>): Promise<T>
  /** A business write through the ORM, inside `tx`. */
  insertOrder(tx: unknown, note: string): unknown
  enqueue(tx: unknown, queue: string, payload: unknown, options?: EnqueueOptions): number | UniqueEnqueueResult | Promise<number | UniqueEnqueueResult>
  notify(tx: unknown, channel: string, payload: unknown): number | Promise<number>
  publish(tx: unknown, topic: string, payload: unknown, key?: string): number | Promise<number>
  /** Close the ORM and the Honker database. */
  close(): Promise<void>
}
