import { HonkerError } from '../errors/honker-error.ts'
import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import { optionalMilliseconds, optionalSignal, requireName, requireObject } from '../validate.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'
import { TimeSlice } from '../time-slice.ts'
import { Notification, type NotificationRow } from './notification.ts'
import { MAX_NOTIFICATION_ID, READ_NOTIFICATIONS } from './notify.sql.ts'

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
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/**
 * Notifications on one channel committed after the listener was created, in id order, from any
 * connection or process (Postgres LISTEN). There is no replay: rows already committed when
 * `db.listen()` returned are skipped; use a stream for durable delivery.
 *
 * The subscription to the commit watcher and the starting id are both taken inside `db.listen()`,
 * before it returns, so a notify committed right after is never missed (subscribe before read,
 * docs/compatibility.md 3.7).
 *
 * ```ts
 * const listener = db.listen('orders', { signal })
 * for await (const n of listener) console.log(n.id, n.payload)
 * ```
 */
export class Listener<Payload = unknown> implements AsyncIterableIterator<Notification<Payload>> {
  readonly channel: string
  readonly #host: Host
  readonly #subscription: WakeSubscription
  /** Handing out a long backlog, the iterator still lets the event loop run now and then. */
  readonly #slice = new TimeSlice(32)
  readonly #signal: AbortSignal | undefined
  readonly #fallbackMs: number | null
  readonly #onAbort = (): void => this.close()
  #lastId: number
  #page: Notification<Payload>[] = []
  #cursor = 0
  #closed = false
  /** next() calls run one after another: a wake subscription has room for one waiter. */
  #tail: Promise<unknown> = Promise.resolve()

  /** @internal Use `db.listen()`. */
  constructor(host: Host, channel: string, options: ListenOptions = {}) {
    requireObject(options, 'options')
    this.channel = requireName(channel, 'channel')
    this.#signal = optionalSignal(options.signal, 'signal')
    this.#fallbackMs =
      options.fallbackPollMs === undefined
        ? DEFAULT_FALLBACK_POLL_MS
        : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    this.#host = host
    host.assertOpen()
    if (host.executor.connection.inTransaction) {
      // Inside an open transaction the snapshot would count that transaction's own uncommitted
      // notifications (skipped if it commits; their ids reused by later rows if it rolls back).
      throw new HonkerError('invalid_argument', 'listen: cannot start inside an open transaction on this connection')
    }
    this.#subscription = host.subscribe()
    try {
      const row = host.executor.get<{ id: number | bigint }>(
        MAX_NOTIFICATION_ID,
        MAX_NOTIFICATION_ID.bind({ channel: this.channel }),
      )
      this.#lastId = toNumber(row?.id ?? 0)
    } catch (error) {
      this.#subscription.close()
      throw error
    }
    if (this.#signal?.aborted === true) this.close()
    else this.#signal?.addEventListener('abort', this.#onAbort, { once: true })
  }

  /** The id of the last notification delivered (or the starting point before the first). */
  get lastId(): number {
    return this.#lastId
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * The next notification, waiting for one if needed. Resolves `done` after `close()` or an abort;
   * rejects with the coded error if the database closes or the commit watcher dies.
   */
  next(): Promise<IteratorResult<Notification<Payload>, undefined>> {
    const result = this.#tail.then(() => this.#pull())
    this.#tail = result.catch(() => undefined)
    return result
  }

  /** Called when a `for await` loop exits early: stop listening. */
  return(): Promise<IteratorResult<Notification<Payload>, undefined>> {
    this.close()
    return Promise.resolve(DONE)
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Stop listening and release the watcher subscription; pending and later `next()` calls end. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#page = []
    this.#signal?.removeEventListener('abort', this.#onAbort)
    this.#subscription.close()
  }

  async #pull(): Promise<IteratorResult<Notification<Payload>, undefined>> {
    while (!this.#closed) {
      if (this.#cursor < this.#page.length) {
        const pause = this.#slice.yieldIfSpent()
        if (pause !== undefined) {
          await pause
          continue
        }
        const notification = this.#page[this.#cursor++]!
        this.#lastId = notification.id
        return { done: false, value: notification }
      }
      try {
        if (this.#readPage() > 0) continue
        if ((await this.#subscription.wait({ timeoutMs: this.#fallbackMs })) === 'aborted') break
        this.#slice.restart()
      } catch (error) {
        // Our own close() rejects the pending wait: that is the end of the iteration, not an error.
        if (this.#closed) break
        this.close()
        throw error
      }
    }
    return DONE
  }

  #readPage(): number {
    this.#host.assertOpen()
    const rows = this.#host.executor.all<NotificationRow>(
      READ_NOTIFICATIONS,
      READ_NOTIFICATIONS.bind({ channel: this.channel, after: this.#lastId, limit: PAGE_SIZE }),
    )
    this.#page = rows.map((row) => new Notification<Payload>(row))
    this.#cursor = 0
    return rows.length
  }
}
