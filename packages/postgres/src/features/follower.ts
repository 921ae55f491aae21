import type { WakeSubscription } from '@honker/core/engine'

/** What a follower reads: the next page after a cursor, and each item's cursor. */
export interface PageSource<Item> {
  read(after: number): Promise<Item[]>
  cursorOf(item: Item): number
}

export interface FollowOptions {
  signal: AbortSignal | undefined
  /** Re-read after this long without a wake; null: only on wakes. */
  fallbackMs: number | null
}

/**
 * Follow rows in cursor order: read a page, hand it out, and when there is none sleep until a
 * wake (a commit about this name), the fallback poll or the signal. The subscription is taken
 * before the first read, so nothing committed after the start is missed. Shared by `listen()`
 * and stream subscriptions.
 */
export class Follower<Item> implements AsyncIterableIterator<Item> {
  readonly #subscription: WakeSubscription
  readonly #source: PageSource<Item>
  readonly #options: FollowOptions
  #cursor: number
  #buffer: Item[] = []
  #closed = false
  readonly #onAbort = (): void => this.#subscription.nudge()

  constructor(subscription: WakeSubscription, source: PageSource<Item>, start: number, options: FollowOptions) {
    this.#subscription = subscription
    this.#source = source
    this.#cursor = start
    this.#options = options
    options.signal?.addEventListener('abort', this.#onAbort, { once: true })
  }

  /** The cursor of the last item handed out (or the start). */
  get cursor(): number {
    return this.#cursor
  }

  get closed(): boolean {
    return this.#closed
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<Item, undefined>> {
    for (;;) {
      if (this.#closed || this.#options.signal?.aborted === true) return this.#finish()
      const item = this.#buffer.shift()
      if (item !== undefined) {
        this.#cursor = this.#source.cursorOf(item)
        return { done: false, value: item }
      }
      const page = await this.#source.read(this.#cursor)
      if (page.length > 0) {
        this.#buffer = page
        continue
      }
      if ((await this.#subscription.wait({ timeoutMs: this.#options.fallbackMs, signal: this.#options.signal })) === 'aborted') {
        return this.#finish()
      }
    }
  }

  async return(): Promise<IteratorResult<Item, undefined>> {
    return this.#finish()
  }

  close(): void {
    void this.#finish()
  }

  #finish(): IteratorResult<Item, undefined> {
    if (!this.#closed) {
      this.#closed = true
      this.#buffer = []
      this.#options.signal?.removeEventListener('abort', this.#onAbort)
      this.#subscription.close()
    }
    return { done: true, value: undefined }
  }
}
