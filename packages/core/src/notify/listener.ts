import { HonkerError } from '../errors/honker-error.ts'
import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import { optionalMilliseconds, optionalSignal, requireName, requireObject } from '../validate.ts'
import { PagedFollower } from '../watcher/paged-follower.ts'
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
  readonly #follower: PagedFollower<Notification<Payload>>
  readonly #signal: AbortSignal | undefined
  readonly #onAbort = (): void => this.close()
  #lastId: number

  /** @internal Use `db.listen()`. */
  constructor(host: Host, channel: string, options: ListenOptions = {}) {
    requireObject(options, 'options')
    this.channel = requireName(channel, 'channel')
    this.#signal = optionalSignal(options.signal, 'signal')
    const fallbackMs =
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
    this.#follower = new PagedFollower(
      host,
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
    this.#lastId = this.#follower.start(() => {
      const row = host.executor.get<{ id: number | bigint }>(
        MAX_NOTIFICATION_ID,
        MAX_NOTIFICATION_ID.bind({ channel: this.channel }),
      )
      return toNumber(row?.id ?? 0)
    })
    // Closed at once on abort, not at the next read: the watcher subscription goes with it.
    if (this.#signal?.aborted === true) this.close()
    else this.#signal?.addEventListener('abort', this.#onAbort, { once: true })
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

  /** Stop listening and release the watcher subscription; pending and later `next()` calls end. */
  close(): void {
    this.#follower.close()
  }

  /** The page after the last notification handed out (a page is read once the previous one is). */
  #readPage(): Notification<Payload>[] {
    this.#host.assertOpen()
    const rows = this.#host.executor.all<NotificationRow>(
      READ_NOTIFICATIONS,
      READ_NOTIFICATIONS.bind({ channel: this.channel, after: this.#lastId, limit: PAGE_SIZE }),
    )
    return rows.map((row) => new Notification<Payload>(row))
  }
}
