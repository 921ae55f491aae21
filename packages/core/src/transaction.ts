import { HonkerError } from './errors/honker-error.ts'
import type { SyncExecutor } from './executor/sync-executor.ts'
import type { DriverConnection } from './driver/driver.ts'
import { toHonkerError } from './errors/sqlite-error.ts'

/**
 * The handle `db.transaction(fn)` passes to `fn`: run the app's own SQL on the same connection
 * and pass it as `{ tx }` to `enqueue`, `notify` and `publish` so they commit or roll back with it.
 * It is only valid inside the callback.
 */
export class Transaction {
  /** @internal */
  readonly executor: SyncExecutor
  /** @internal */
  readonly owner: object
  #active = true

  /** @internal */
  constructor(executor: SyncExecutor, owner: object) {
    this.executor = executor
    this.owner = owner
  }

  get active(): boolean {
    return this.#active
  }

  /** @internal */
  end(): void {
    this.#active = false
  }

  /** Run a statement; returns the number of changed rows and the last inserted rowid. */
  run(sql: string, params: readonly unknown[] = []): { changes: number; lastInsertRowid: number } {
    return this.#with((connection) => connection.prepare(sql).run(params))
  }

  /** All rows of a query. */
  all<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Row[] {
    return this.#with((connection) => connection.prepare(sql).all(params) as Row[])
  }

  /** The first row of a query, or undefined. */
  get<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Row | undefined {
    return this.#with((connection) => connection.prepare(sql).get(params) as Row | undefined)
  }

  /** @internal Throws unless this transaction is still open and belongs to `owner`. */
  assertUsableBy(owner: object): void {
    if (this.owner !== owner) {
      throw new HonkerError('invalid_argument', 'tx: this transaction belongs to another database')
    }
    if (!this.#active) {
      throw new HonkerError('transaction_closed', 'tx: the transaction has already committed or rolled back')
    }
  }

  #with<T>(fn: (connection: DriverConnection) => T): T {
    if (!this.#active) {
      throw new HonkerError('transaction_closed', 'the transaction has already committed or rolled back')
    }
    try {
      return fn(this.executor.connection)
    } catch (error) {
      throw toHonkerError(error)
    }
  }
}
