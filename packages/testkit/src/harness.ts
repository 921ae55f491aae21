import type { Database, EnqueueOptions } from '@honker/core'

/**
 * How the conformance suite drives one integration: the standalone core API or an ORM adapter.
 * Everything user-side goes through the ORM (its transaction object, its business write); the
 * suite then checks the outcome through Honker's own API and a plain SQLite connection.
 */
export interface AdapterHarness {
  /** Shown in test names: 'core', 'drizzle-better-sqlite3', 'kysely', 'prisma'. */
  name: string
  /**
   * Open the app's ORM on `file`, create the app table `orders (id INTEGER PRIMARY KEY, note TEXT)`
   * through it, and set Honker up through the adapter (`createHonker`).
   */
  open(file: string): Promise<HarnessSession>
}

export interface HarnessSession {
  /** The Honker database the adapter set up on the same file. */
  honker: Database
  /**
   * Run `fn` inside the ORM's own transaction and resolve with its result; a throw inside rolls
   * the transaction back and rejects. Sync ORMs (Drizzle on better-sqlite3) call `fn` synchronously.
   */
  transaction<T>(fn: (tx: unknown) => T | Promise<T>): Promise<T>
  /** A business write through the ORM, inside `tx`. */
  insertOrder(tx: unknown, note: string): unknown
  enqueue(tx: unknown, queue: string, payload: unknown, options?: EnqueueOptions): number | Promise<number>
  notify(tx: unknown, channel: string, payload: unknown): number | Promise<number>
  publish(tx: unknown, topic: string, payload: unknown, key?: string): number | Promise<number>
  /** Close the ORM and the Honker database. */
  close(): Promise<void>
}
