import type { StreamOps } from '../engine/stream-ops.ts'
import { mapResult, settle, type Mode, type Result } from '../executor/executor.ts'
import type { Transaction } from '../transaction.ts'
import { requireInteger, requireName, requireObject } from '../validate.ts'
import { StreamEvent } from './stream-event.ts'
import { openSubscription, type StreamSubscription, type SubscribeOptions } from './subscription.ts'

export interface PublishOptions<Tx = Transaction> {
  /** Stored with the event; informational only (no partitioning or compaction). Default null. */
  key?: string | null
  /** Write inside this transaction (from `db.transaction`), committing or rolling back with it. */
  tx?: Tx
}

export interface SaveOffsetOptions<Tx = Transaction> {
  /** Save inside this transaction, e.g. the one that applied the events' effects (exactly-once). */
  tx?: Tx
}

/** The largest page `readSince` returns in one call. */
const MAX_READ_LIMIT = 100_000

/**
 * A durable, append-only topic with per-consumer saved offsets, on honker's `_honker_stream`
 * tables: events published here are read by honker's bindings and the other way round, and saved
 * offsets are keyed (consumer, topic) like honker's SQL functions. Cheap to create; it holds no
 * state but its name. One class for every engine: on PostgreSQL each method returns a promise.
 *
 * ```ts
 * const orders = db.stream('orders')
 * db.transaction((tx) => {
 *   tx.run('INSERT INTO orders (id) VALUES (?)', [7])
 *   orders.publish({ id: 7, status: 'placed' }, { tx, key: 'order-7' })
 * })
 * ```
 */
export class Stream<Payload = unknown, M extends Mode = 'sync', Tx = Transaction> {
  readonly topic: string
  readonly #ops: StreamOps<M, Tx>

  /** @internal Use `db.stream()`. */
  constructor(ops: StreamOps<M, Tx>, topic: string) {
    this.#ops = ops
    this.topic = requireName(topic, 'topic')
  }

  /**
   * Append an event; returns its offset. Pass `{ tx }` to write inside `db.transaction`, so it
   * commits or rolls back with the business write; otherwise the insert is its own transaction.
   *
   * ```ts
   * const offset = db.stream('orders').publish({ id: 7 }, { key: 'order-7' })
   * ```
   */
  publish(payload: Payload, options: PublishOptions<Tx> = {}): Result<M, number> {
    return settle(this.#ops.mode, () => {
      requireObject(options, 'options')
      return this.#ops.publish(this.topic, payload, options, options.tx)
    })
  }

  /**
   * Up to `limit` events with an offset greater than `offset`, oldest first.
   *
   * ```ts
   * const page = db.stream('orders').readSince(0, 100)
   * const next = db.stream('orders').readSince(page.at(-1)?.offset ?? 0, 100)
   * ```
   */
  readSince(offset: number, limit: number): Result<M, StreamEvent<Payload>[]> {
    return settle(this.#ops.mode, () => {
      requireInteger(offset, 'offset', { min: 0 })
      requireInteger(limit, 'limit', { min: 1, max: MAX_READ_LIMIT })
      return mapResult(this.#ops.read(this.topic, offset, limit), (rows) => rows.map((row) => new StreamEvent<Payload>(row)))
    })
  }

  /**
   * Save `consumer`'s offset on this topic; it only ever moves forward. Returns true iff it
   * changed. Readable by honker as `honker_stream_get_offset(consumer, topic)`.
   *
   * ```ts
   * db.transaction((tx) => {
   *   applyEffects(tx, events)
   *   stream.saveOffset('billing', events.at(-1)!.offset, { tx })
   * })
   * ```
   */
  saveOffset(consumer: string, offset: number, options: SaveOffsetOptions<Tx> = {}): Result<M, boolean> {
    return settle(this.#ops.mode, () => {
      requireObject(options, 'options')
      requireName(consumer, 'consumer')
      requireInteger(offset, 'offset', { min: 0 })
      return this.#ops.saveOffset(consumer, this.topic, offset, options.tx)
    })
  }

  /** `consumer`'s saved offset on this topic, or 0 when it has none. */
  getOffset(consumer: string): Result<M, number> {
    return settle(this.#ops.mode, () => this.#ops.getOffset(requireName(consumer, 'consumer'), this.topic))
  }

  /**
   * Follow this topic as `consumer`: replay from its saved offset (or `fromOffset`), then wait for
   * new events from any process. At-least-once; see `StreamSubscription`.
   *
   * ```ts
   * const controller = new AbortController()
   * for await (const event of orders.subscribe({ consumer: 'billing', signal: controller.signal })) {
   *   await bill(event.payload) // finished when the loop asks for the next event
   * }
   * ```
   */
  subscribe(options: SubscribeOptions): Result<M, StreamSubscription<Payload, M>> {
    return settle(this.#ops.mode, () => openSubscription<Payload, M>(this.#ops as StreamOps<M, unknown>, this.topic, options))
  }
}
