import type { NotifyOps } from '../engine/notify-ops.ts'
import { mapResult, type Mode, type Result } from '../executor/executor.ts'
import { optionalMilliseconds, optionalSignal, requireName, requireObject } from '../validate.ts'
import { PagedFollower } from '../watcher/paged-follower.ts'
import { Notification } from './notification.ts'

export interface ListenOptions {
  /** Stop listening when this signal aborts (the iteration ends; nothing is thrown). */
  signal?: AbortSignal
  /**
   * Re-read after this long without a wake, in case a wake was lost; `null` disables it (every
   * delivery then rests on the commit watcher). Default 15000 (honker's `fallbackPollS=15`).
   */
  fallbackPollMs?: number | null
}

/** Rows read per query; a burst larger than this is delivered in several pages, in id order. */
const PAGE_SIZE = 256
const DEFAULT_FALLBACK_POLL_MS = 15_000

/**
 * Notifications on one channel committed after the listener was created, in id order, from any
 * connection or process (Postgres LISTEN). There is no replay: rows already committed when
 * `db.listen()` returned are skipped; use a stream for durable delivery.
 *
 * The wake subscription and the starting id are both taken inside `db.listen()`, before it
 * returns (or resolves, on PostgreSQL), so a notify committed right after is never missed
 * (subscribe before read, docs/compatibility.md 3.7). One class for every engine.
 *
 * ```ts
 * const listener = db.listen('orders', { signal })
 * for await (const n of listener) console.log(n.id, n.payload)
 * ```
 */
export class Listener<Payload = unknown> implements AsyncIterableIterator<Notification<Payload>> {
  readonly channel: string
  readonly #ops: NotifyOps<Mode, unknown>
  readonly #follower: PagedFollower<Notification<Payload>>
  readonly #signal: AbortSignal | undefined
  readonly #onAbort = (): void => this.close()
  #lastId = 0

  /** @internal Use `db.listen()` (`openListener`): the starting id must be read before it is handed out. */
  constructor(ops: NotifyOps<Mode, unknown>, channel: string, options: ListenOptions = {}) {
    requireObject(options, 'options')
    this.channel = requireName(channel, 'channel')
    this.#signal = optionalSignal(options.signal, 'signal')
    const fallbackMs =
      options.fallbackPollMs === undefined
        ? DEFAULT_FALLBACK_POLL_MS
        : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    this.#ops = ops
    this.#follower = new PagedFollower(
      { subscribe: () => ops.subscribe(this.channel) },
      {
        readPage: () => this.#readPage(),
        handOut: (notification) => {
          this.#lastId = notification.id
        },
        waitTimeoutMs: () => fallbackMs,
        afterClose: () => this.#signal?.removeEventListener('abort', this.#onAbort),
      },
      this.#signal,
    )
  }

  /** @internal Read the starting id (after subscribing), then follow aborts. */
  begin<M extends Mode>(): Result<M, this> {
    const started = this.#follower.start(() => mapResult(this.#ops.lastId(this.channel) as Result<M, number>, (id) => void (this.#lastId = id)))
    return mapResult(started, () => {
      // Closed at once on abort, not at the next read: the wake subscription goes with it.
      if (this.#signal?.aborted === true) this.close()
      else this.#signal?.addEventListener('abort', this.#onAbort, { once: true })
      return this
    })
  }

  /** The id of the last notification delivered (or the starting point before the first). */
  get lastId(): number {
    return this.#lastId
  }

  get closed(): boolean {
    return this.#follower.closed
  }

  /**
   * The next notification, waiting for one if needed. Resolves `done` after `close()` or an abort;
   * rejects with the coded error if the database closes or the commit watcher dies.
   */
  next(): Promise<IteratorResult<Notification<Payload>, undefined>> {
    return this.#follower.next()
  }

  /** Called when a `for await` loop exits early: stop listening. */
  return(): Promise<IteratorResult<Notification<Payload>, undefined>> {
    return this.#follower.return()
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Stop listening and release the wake subscription; pending and later `next()` calls end. */
  close(): void {
    this.#follower.close()
  }

  /** The page after the last notification handed out (a page is read once the previous one is). */
  #readPage(): Notification<Payload>[] | Promise<Notification<Payload>[]> {
    return mapResult(this.#ops.read(this.channel, this.#lastId, PAGE_SIZE), (rows) => rows.map((row) => new Notification<Payload>(row)))
  }
}

/** @internal `db.listen()` on any engine: the listener once subscribed and at its starting id. */
export function openListener<Payload, M extends Mode>(ops: NotifyOps<M, unknown>, channel: string, options?: ListenOptions): Result<M, Listener<Payload>> {
  return new Listener<Payload>(ops, channel, options).begin<M>()
}
