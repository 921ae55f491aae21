import { HonkerError } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { toHonkerError } from '../errors.ts'
import type { PgPoolClient, PgQueryable, PgQueryResult } from '../pg.ts'

/**
 * A transaction from `db.transaction()`: pass it as `{ tx }` to enqueue, notify, publish,
 * saveOffset, rate limits and results so they commit (or roll back) with the app's own writes,
 * and run the app's SQL on it with `query`.
 */
export class PgTransaction {
  readonly #client: PgQueryable
  readonly #owner: object
  #open = true

  /** @internal */
  constructor(client: PgQueryable, owner: object) {
    this.#client = client
    this.#owner = owner
  }

  get open(): boolean {
    return this.#open
  }

  /** The app's own SQL, in this transaction (`$1` placeholders, as `pg` takes them). */
  query<Row = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<PgQueryResult<Row>> {
    if (!this.#open) return Promise.reject(closedError())
    return this.#client.query<Row>({ text, values })
  }

  /** @internal The connection to run on, checked to belong to `owner` and still be open. */
  runnerFor(owner: object): PgQueryable {
    if (this.#owner !== owner) throw new HonkerError('engine_mismatch', 'tx belongs to another database: pass a transaction of the database you call')
    if (!this.#open) throw closedError()
    return this.#client
  }

  /** @internal */
  end(): void {
    this.#open = false
  }
}

function closedError(): HonkerError {
  return new HonkerError('transaction_closed', 'the transaction has already committed or rolled back')
}

/** A `tx` option, checked: a PgTransaction of this database, or undefined for the pool. */
export function runnerOf(tx: unknown, owner: object): PgQueryable | undefined {
  if (tx === undefined) return undefined
  if (!(tx instanceof PgTransaction)) {
    throw new HonkerError('engine_mismatch', 'tx must be a transaction from db.transaction() of @honker/postgres')
  }
  return tx.runnerFor(owner)
}

/**
 * Run `fn` in one transaction on one pooled connection (`db.transaction`, and the scheduler's own
 * read-modify-writes): a throw rolls back; a dropped connection is `connection_lost` and the
 * client is discarded, not returned to the pool.
 */
export async function runTransaction<T>(engine: PgEngine, owner: object, fn: (tx: PgTransaction) => Promise<T> | T): Promise<T> {
  engine.assertOpen()
  let client: PgPoolClient
  try {
    client = await engine.pool.connect()
  } catch (error) {
    throw toHonkerError(error)
  }
  const tx = new PgTransaction(client, owner)
  let lost = false
  let committing = false
  // A backend that dies while the transaction is idle (the app's fn awaiting something else) makes
  // the checked-out client emit 'error', which no one else listens to: without this it would crash
  // the process. The next statement on it fails with connection_lost, which is how fn learns.
  const onIdleError = (): void => {
    lost = true
  }
  client.on('error', onIdleError)
  try {
    await client.query({ text: 'BEGIN' })
    const result = await fn(tx)
    committing = true
    await client.query({ text: 'COMMIT' })
    return result
  } catch (error) {
    const coded = toHonkerError(error, { committing })
    lost ||= HonkerError.isInstance(coded, 'connection_lost')
    if (!lost && !committing) await client.query({ text: 'ROLLBACK' }).catch(() => {})
    throw coded
  } finally {
    tx.end()
    client.off?.('error', onIdleError)
    client.release(lost)
  }
}
