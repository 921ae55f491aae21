import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import type { Transaction } from '../transaction.ts'
import { requireInteger, requireName, requireObject } from '../validate.ts'
import { saveOffsetWith } from './offsets.ts'
import { publishWith } from './publish.ts'
import { StreamEvent, type StreamEventRow } from './stream-event.ts'
import { GET_OFFSET, READ_EVENTS } from './stream.sql.ts'
import { StreamSubscription, type SubscribeOptions } from './subscription.ts'

export interface PublishOptions {
  /** Stored with the event; informational only (no partitioning or compaction). Default null. */
  key?: string | null
  /** Write inside this transaction (from `db.transaction`), committing or rolling back with it. */
  tx?: Transaction
}

export interface SaveOffsetOptions {
  /** Save inside this transaction, e.g. the one that applied the events' effects (exactly-once). */
  tx?: Transaction
}

/** The largest page `readSince` returns in one call. */
const MAX_READ_LIMIT = 100_000

/**
 * A durable, append-only topic with per-consumer saved offsets, on honker's `_honker_stream`
 * tables: events published here are read by honker's bindings and the other way round, and saved
 * offsets are keyed (consumer, topic) like honker's SQL functions. Cheap to create; it holds no
 * state but its name.
 *
 * ```ts
 * const orders = db.stream('orders')
 * db.transaction((tx) => {
 *   tx.run('INSERT INTO orders (id) VALUES (?)', [7])
 *   orders.publish({ id: 7, status: 'placed' }, { tx, key: 'order-7' })
 * })
 * ```
 */
export class Stream<Payload = unknown> {
  readonly topic: string
  readonly #host: Host

  /** @internal Use `db.stream()`. */
  constructor(host: Host, topic: string) {
    this.#host = host
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
  publish(payload: Payload, options: PublishOptions = {}): number {
    requireObject(options, 'options')
    const executor = this.#host.executorFor(options.tx)
    return publishWith(executor, this.topic, payload, options, this.#host.nowS(), this.#host.maxPayloadBytes)
  }

  /**
   * Up to `limit` events with an offset greater than `offset`, oldest first.
   *
   * ```ts
   * const page = db.stream('orders').readSince(0, 100)
   * const next = db.stream('orders').readSince(page.at(-1)?.offset ?? 0, 100)
   * ```
   */
  readSince(offset: number, limit: number): StreamEvent<Payload>[] {
    requireInteger(offset, 'offset', { min: 0 })
    requireInteger(limit, 'limit', { min: 1, max: MAX_READ_LIMIT })
    this.#host.assertOpen()
    const rows = this.#host.executor.allRaw<StreamEventRow>(
      READ_EVENTS,
      READ_EVENTS.bind({ topic: this.topic, after: offset, limit }),
    )
    return rows.map((row) => new StreamEvent<Payload>(row))
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
  saveOffset(consumer: string, offset: number, options: SaveOffsetOptions = {}): boolean {
    requireObject(options, 'options')
    requireName(consumer, 'consumer')
    requireInteger(offset, 'offset', { min: 0 })
    const executor = this.#host.executorFor(options.tx)
    return saveOffsetWith(executor, consumer, this.topic, offset)
  }

  /** `consumer`'s saved offset on this topic, or 0 when it has none. */
  getOffset(consumer: string): number {
    requireName(consumer, 'consumer')
    this.#host.assertOpen()
    const row = this.#host.executor.get<{ offset: number | bigint }>(
      GET_OFFSET,
      GET_OFFSET.bind({ consumer, topic: this.topic }),
    )
    return toNumber(row?.offset ?? 0)
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
  subscribe(options: SubscribeOptions): StreamSubscription<Payload> {
    return new StreamSubscription<Payload>(this.#host, this.topic, options)
  }
}
