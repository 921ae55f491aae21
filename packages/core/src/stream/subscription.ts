import type { StreamOps } from '../engine/stream-ops.ts'
import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { mapResult, recoverResult, type Mode, type Result } from '../executor/executor.ts'
import { optionalInteger, optionalMilliseconds, optionalSignal, requireName } from '../validate.ts'
import { PagedFollower } from '../watcher/paged-follower.ts'
import { StreamEvent } from './stream-event.ts'

export interface SubscribeOptions {
  /** Whose offset to resume from and save. */
  consumer: string
  /** Start after this offset instead of the saved one (the saved offset still only moves forward). */
  fromOffset?: number
  /** Save after this many finished events. Default 1000. */
  saveEveryN?: number
  /**
   * Save finished events at least this often, in seconds, also while waiting for new events;
   * `null`: only by count and on close. Default 1.
   */
  saveEveryS?: number | null
  /** Events read per query while replaying or catching up. Default 1000. */
  batchSize?: number
  /** End the iteration when this signal aborts (finished events are saved; nothing is thrown). */
  signal?: AbortSignal
  /** Re-read after this long without a wake; `null` disables it. Default 15000. */
  fallbackPollMs?: number | null
}

const DEFAULT_SAVE_EVERY_N = 1000
const DEFAULT_SAVE_EVERY_S = 1
const DEFAULT_BATCH_SIZE = 1000
const DEFAULT_FALLBACK_POLL_MS = 15_000

/**
 * A consumer following one topic: replays from its saved offset, then follows new commits from any
 * process. Delivery is at-least-once: an event counts as finished once the consumer asks for the
 * next one (or calls `ack()`), and only finished offsets are ever saved, so after a crash the
 * consumer sees again at most the events it had not finished or whose offsets were not yet saved
 * (fewer than `saveEveryN`, and not older than `saveEveryS`). Breaking out of the loop saves the
 * last finished offset; the event being handled when it broke is delivered again next time unless
 * it was acked. (honker's Node and Bun bindings save the offset of the event they hand out, which
 * loses that event if the process dies while handling it.)
 *
 * One subscription per consumer at a time: two with the same consumer name both receive every
 * event (there are no consumer groups).
 *
 * ```ts
 * for await (const event of db.stream('orders').subscribe({ consumer: 'billing', signal })) {
 *   await bill(event.payload)
 * }
 * ```
 */
export class StreamSubscription<Payload = unknown, M extends Mode = 'sync'> implements AsyncIterableIterator<StreamEvent<Payload>> {
  readonly topic: string
  readonly consumer: string
  readonly #ops: StreamOps<M, unknown>
  readonly #follower: PagedFollower<StreamEvent<Payload>>
  readonly #fromOffset: number | undefined
  readonly #saveEveryN: number
  readonly #saveEveryMs: number | null
  readonly #batchSize: number
  /** Offset of the last event read from the log (the read cursor). */
  #position = 0
  /** Offset of the event handed out and not yet finished, or null. */
  #handedOut: number | null = null
  #finished = 0
  #saved = 0
  #unsaved = 0
  #lastSaveMs = 0

  /** @internal Use `stream.subscribe()` (`openSubscription`): the saved offset must be read before it is handed out. */
  constructor(ops: StreamOps<M, unknown>, topic: string, options: SubscribeOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', 'must be an options object with a consumer')
    }
    this.topic = requireName(topic, 'topic')
    this.consumer = requireName(options.consumer, 'consumer')
    this.#fromOffset = optionalInteger(options.fromOffset, 'fromOffset', { min: 0 })
    this.#saveEveryN = optionalInteger(options.saveEveryN, 'saveEveryN', { min: 1 }) ?? DEFAULT_SAVE_EVERY_N
    this.#saveEveryMs = saveEveryMs(options.saveEveryS)
    this.#batchSize = optionalInteger(options.batchSize, 'batchSize', { min: 1, max: 100_000 }) ?? DEFAULT_BATCH_SIZE
    const signal = optionalSignal(options.signal, 'signal')
    const fallbackMs =
      options.fallbackPollMs === undefined
        ? DEFAULT_FALLBACK_POLL_MS
        : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    this.#ops = ops
    // Subscribe before the first read (docs/compatibility.md 3.7): an event committed between a read that
    // found nothing and the first wait must still wake this consumer.
    this.#follower = new PagedFollower(
      { subscribe: () => ops.subscribe(this.topic) },
      {
        readPage: () => this.#readPage(),
        handOut: (event) => {
          this.#handedOut = event.offset
        },
        waitTimeoutMs: () => this.#waitTimeoutMs(fallbackMs),
        // Asking for the next event finishes the previous one.
        beforeNext: () => {
          this.#finishHandedOut()
          return this.#saveIfDue()
        },
        afterTimeout: () => this.#saveIfDue(),
        // Closed (or failed): keep what was finished if the database still takes writes.
        afterClose: () => (ops.isOpen() ? this.#save() : undefined),
      },
      signal,
    )
  }

  /** @internal Read the saved offset (after subscribing) and start from it or from `fromOffset`. */
  begin(): Result<M, this> {
    const saved = this.#follower.start(() => this.#ops.getOffset(this.consumer, this.topic))
    return mapResult(saved, (offset) => {
      this.#saved = offset
      this.#position = this.#fromOffset ?? offset
      this.#finished = this.#position
      this.#lastSaveMs = this.#ops.nowMs()
      return this
    })
  }

  /** The offset of the last event finished (handled, or acked). */
  get finishedOffset(): number {
    return this.#finished
  }

  /** The offset this subscription last saved (or found saved when it started). */
  get savedOffset(): number {
    return this.#saved
  }

  get closed(): boolean {
    return this.#follower.closed
  }

  /**
   * The next event, waiting for one if needed; asking for it finishes the previous one. Resolves
   * `done` after `close()` or an abort; rejects with the coded error if the database closes or the
   * commit watcher dies (finished offsets are saved first when the database is still open).
   */
  next(): Promise<IteratorResult<StreamEvent<Payload>, undefined>> {
    return this.#follower.next()
  }

  /** Called when a `for await` loop exits early (break, throw): close, saving finished events only. */
  return(): Promise<IteratorResult<StreamEvent<Payload>, undefined>> {
    return this.#follower.return()
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /**
   * Mark the event just handed out as finished now instead of when the next one is requested, so a
   * `break` or `close()` right after saves it too. The save itself still follows `saveEveryN`/`S`.
   */
  ack(): Result<M, void> {
    this.#finishHandedOut()
    // Acked after close(): nothing else will save it, so save it now.
    if (!this.#follower.closed) return this.#saveIfDue()
    return (this.#ops.isOpen() ? this.#save() : undefined) as Result<M, void>
  }

  /**
   * Stop following the topic and save the last finished offset (not the event being handled).
   * Idempotent. Fails if that save fails (the events would then be delivered again later).
   */
  close(): Result<M, void> {
    return this.#follower.close() as Result<M, void>
  }

  #readPage(): StreamEvent<Payload>[] | Promise<StreamEvent<Payload>[]> {
    return mapResult(this.#ops.read(this.topic, this.#position, this.#batchSize), (rows) => {
      const page = rows.map((row) => new StreamEvent<Payload>(row))
      if (page.length > 0) this.#position = page[page.length - 1]!.offset
      return page
    })
  }

  #finishHandedOut(): void {
    if (this.#handedOut === null) return
    this.#finished = this.#handedOut
    this.#handedOut = null
    this.#unsaved++
  }

  /** Wait for a wake, the fallback poll, or the moment unsaved finished events fall due. */
  #waitTimeoutMs(fallbackMs: number | null): number | null {
    let timeout = fallbackMs
    if (this.#unsaved > 0 && this.#saveEveryMs !== null) {
      const due = Math.max(0, this.#lastSaveMs + this.#saveEveryMs - this.#ops.nowMs())
      timeout = timeout === null ? due : Math.min(timeout, due)
    }
    return timeout
  }

  #saveIfDue(): Result<M, void> {
    if (this.#unsaved === 0) return undefined as Result<M, void>
    const byCount = this.#unsaved >= this.#saveEveryN
    const byTime = this.#saveEveryMs !== null && this.#ops.nowMs() - this.#lastSaveMs >= this.#saveEveryMs
    if (!byCount && !byTime) return undefined as Result<M, void>
    return recoverResult<M, void, void>(
      () => this.#save(),
      (error) => {
        // A busy write lock only postpones the save: the events stay finished and are saved later.
        if (!HonkerError.isInstance(error, 'busy')) throw error
      },
    )
  }

  #save(): Result<M, void> {
    if (this.#unsaved === 0) return undefined as Result<M, void>
    const offset = this.#finished
    const count = this.#unsaved
    return mapResult(this.#ops.saveOffset(this.consumer, this.topic, offset, undefined), () => {
      this.#saved = Math.max(this.#saved, offset)
      // Events finished while an asynchronous save ran stay unsaved.
      this.#unsaved = Math.max(0, this.#unsaved - count)
      this.#lastSaveMs = this.#ops.nowMs()
    })
  }
}

/** @internal `stream.subscribe()` on any engine: the subscription once subscribed and at its starting offset. */
export function openSubscription<Payload, M extends Mode>(ops: StreamOps<M, unknown>, topic: string, options: SubscribeOptions): Result<M, StreamSubscription<Payload, M>> {
  return new StreamSubscription<Payload, M>(ops, topic, options).begin()
}

function saveEveryMs(value: unknown): number | null {
  if (value === undefined) return DEFAULT_SAVE_EVERY_S * 1000
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError('saveEveryS', `must be a non-negative number of seconds or null, got ${String(value)}`)
  }
  return value * 1000
}
