import { Notification, StreamEvent, type ListenOptions, type PruneNotificationsOptions, type PublishOptions as CorePublishOptions, type SubscribeOptions } from '@honker/core'
import {
  HonkerError,
  optionalInteger,
  optionalMilliseconds,
  optionalSignal,
  requireInteger,
  requireName,
  requireObject,
} from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { Follower } from './follower.ts'
import { appendEvent, insertNotification, saveOffsetOn } from '../writes.ts'
import { runnerOf, type PgTransaction } from './transaction.ts'

const DEFAULT_FALLBACK_POLL_MS = 15_000

export type PublishOptions = Omit<CorePublishOptions, 'tx'> & { tx?: PgTransaction }

interface EventRow {
  offset: string
  topic: string
  key: string | null
  payload: string
  created_at: string
}

/** A durable topic on PostgreSQL: `@honker/core`'s Stream with promises. */
export class PgStream<Payload = unknown> {
  readonly topic: string
  readonly #engine: PgEngine
  readonly #owner: object

  /** @internal Use `db.stream(topic)`. */
  constructor(engine: PgEngine, owner: object, topic: string) {
    this.topic = requireName(topic, 'topic')
    this.#engine = engine
    this.#owner = owner
  }

  /** Append an event; returns its offset. Offsets of one topic become visible in order. */
  async publish(payload: Payload, options: PublishOptions = {}): Promise<number> {
    requireObject(options, 'options')
    const runner = runnerOf(options?.tx, this.#owner) ?? this.#engine.pool
    this.#engine.assertOpen()
    return appendEvent(this.#engine, runner, this.topic, payload, options)
  }

  async readSince(offset: number, limit: number): Promise<StreamEvent<Payload>[]> {
    requireInteger(offset, 'offset', { min: 0 })
    requireInteger(limit, 'limit', { min: 1 })
    const { rows } = await this.#engine.query<EventRow>(this.#engine.messages.readEvents, [this.topic, offset, limit])
    return rows.map((row) => new StreamEvent<Payload>([Number(row.offset), row.topic, row.key, row.payload, Number(row.created_at)]))
  }

  /** Move `consumer`'s offset forward (never back); true when it moved. In `tx`: exactly-once with the app's writes. */
  async saveOffset(consumer: string, offset: number, options: { tx?: PgTransaction } = {}): Promise<boolean> {
    requireObject(options, 'options')
    const runner = runnerOf(options?.tx, this.#owner) ?? this.#engine.pool
    this.#engine.assertOpen()
    return saveOffsetOn(this.#engine, runner, consumer, this.topic, offset)
  }

  async getOffset(consumer: string): Promise<number> {
    requireName(consumer, 'consumer')
    const { rows } = await this.#engine.query<{ offset: string }>(this.#engine.messages.getOffset, [consumer, this.topic])
    return Number(rows[0]!.offset)
  }

  /**
   * Replay from the consumer's saved offset, then follow new events from any process. At least
   * once: an event counts as finished when the next one is asked for, and only finished offsets
   * are saved (every `saveEveryN` events, every `saveEveryS` seconds, and on close).
   */
  async subscribe(options: SubscribeOptions): Promise<PgStreamSubscription<Payload>> {
    requireObject(options, 'options')
    if (options === undefined) throw new HonkerError('invalid_argument', 'subscribe needs { consumer }')
    const consumer = requireName(options.consumer, 'consumer')
    const signal = optionalSignal(options.signal, 'signal')
    const batchSize = optionalInteger(options.batchSize, 'batchSize', { min: 1 }) ?? 1000
    const saveEveryN = optionalInteger(options.saveEveryN, 'saveEveryN', { min: 1 }) ?? 1000
    const saveEveryS = options.saveEveryS === null ? null : (optionalInteger(options.saveEveryS, 'saveEveryS', { min: 0 }) ?? 1)
    const fallbackMs =
      options.fallbackPollMs === undefined ? DEFAULT_FALLBACK_POLL_MS : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    const fromOffset = optionalInteger(options.fromOffset, 'fromOffset', { min: 0 })
    const subscription = this.#engine.wake.subscribe([wakeKey('s', this.topic)])
    try {
      const start = fromOffset ?? (await this.getOffset(consumer))
      const source = { read: (after: number) => this.readSince(after, batchSize), cursorOf: (event: StreamEvent<Payload>) => event.offset }
      const follower = new Follower(subscription, source, start, { signal, fallbackMs })
      return new PgStreamSubscription(this, consumer, follower, start, { saveEveryN, saveEveryS })
    } catch (error) {
      subscription.close()
      throw error
    }
  }
}

/** A consumer following one topic; see `PgStream.subscribe`. */
export class PgStreamSubscription<Payload = unknown> implements AsyncIterableIterator<StreamEvent<Payload>> {
  readonly consumer: string
  readonly #stream: PgStream<Payload>
  readonly #follower: Follower<StreamEvent<Payload>>
  readonly #saveEveryN: number
  readonly #saveEveryMs: number | null
  /** The offset of the event handed out last (not finished until the next is asked for). */
  #handedOut: number | null = null
  #finished: number
  #saved: number
  #savedAt = performance.now()

  /** @internal */
  constructor(stream: PgStream<Payload>, consumer: string, follower: Follower<StreamEvent<Payload>>, start: number, save: { saveEveryN: number; saveEveryS: number | null }) {
    this.#stream = stream
    this.consumer = consumer
    this.#follower = follower
    this.#finished = start
    this.#saved = start
    this.#saveEveryN = save.saveEveryN
    this.#saveEveryMs = save.saveEveryS === null ? null : save.saveEveryS * 1000
  }

  get finishedOffset(): number {
    return this.#finished
  }

  get savedOffset(): number {
    return this.#saved
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<StreamEvent<Payload>, undefined>> {
    this.ack()
    const due = this.#finished - this.#saved >= this.#saveEveryN ||
      (this.#saveEveryMs !== null && this.#finished > this.#saved && performance.now() - this.#savedAt >= this.#saveEveryMs)
    if (due) await this.#save()
    const result = await this.#follower.next()
    if (result.done) {
      await this.#save()
      return result
    }
    this.#handedOut = result.value.offset
    return result
  }

  /** The event handed out last is finished (its offset may be saved). */
  ack(): void {
    if (this.#handedOut !== null) this.#finished = this.#handedOut
    this.#handedOut = null
  }

  async return(): Promise<IteratorResult<StreamEvent<Payload>, undefined>> {
    await this.close()
    return { done: true, value: undefined }
  }

  /** Stop following and save the finished offset. */
  async close(): Promise<void> {
    this.#follower.close()
    await this.#save()
  }

  async #save(): Promise<void> {
    if (this.#finished <= this.#saved) return
    const offset = this.#finished
    await this.#stream.saveOffset(this.consumer, offset)
    this.#saved = offset
    this.#savedAt = performance.now()
  }
}
