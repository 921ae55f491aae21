import { isThenable } from '../executor/executor.ts'
import { TimeSlice } from '../time-slice.ts'
import type { WakeSubscription } from './wake-subscription.ts'

/** The end of an iteration. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/**
 * The owner's part of a paged follower (`Listener`: a channel's notifications, `StreamSubscription`:
 * a topic's events and its consumer's offsets). @internal
 */
export interface PagedSource<Item> {
  /** The next rows after the last one read, in order (the owner keeps that position), or none; a promise on an async engine. */
  readPage(): Item[] | Promise<Item[]>
  /** `item` is the one `next()` hands out now. */
  handOut(item: Item): void
  /** How long to wait for a wake before reading again (the fallback poll); null: until one. */
  waitTimeoutMs(): number | null
  /** Before each `next()` looks for an item (a promise on an async engine). May throw: the iteration then fails. */
  beforeNext?(): void | Promise<void>
  /** A wait ended by its timeout, not a wake. May throw: the iteration then fails. */
  afterTimeout?(): void | Promise<void>
  /**
   * The follower has closed and released its wake subscription. Its error propagates from
   * `close()` and `return()`; after a failure it is ignored (the original error is reported).
   */
  afterClose?(): void | Promise<void>
}

/**
 * The loop shared by every reader that follows new rows as other connections and processes commit
 * them: subscribe to commit wakes before the first read (docs/compatibility.md 3.7), read a page
 * after the last row, hand the rows out one by one, and when caught up wait for the next wake or
 * the fallback poll and read again. A long backlog is handed out in time slices, so the event
 * loop still runs (timers, I/O, signals) while a consumer works through it.
 *
 * `next()` calls run one after another (a wake subscription has room for one waiter). The
 * iteration ends (`done`) on `close()`, `return()` or an abort of `signal` (checked before each
 * read and while waiting); it fails with the coded error when the database closes or the commit
 * watcher dies, closing the follower.
 * @internal
 */
export class PagedFollower<Item> {
  readonly #subscription: WakeSubscription
  readonly #source: PagedSource<Item>
  readonly #signal: AbortSignal | undefined
  /** Handing out a long backlog, the iterator still lets the event loop run now and then. */
  readonly #slice = new TimeSlice(32)
  #page: Item[] = []
  #cursor = 0
  #closed = false
  /** next() calls run one after another: a wake subscription has room for one waiter. */
  #tail: Promise<unknown> = Promise.resolve()

  /**
   * Subscribes to commit wakes at once: create the follower before the owner reads its starting
   * point (with `start`), so a row committed between that read and the first wait still wakes it.
   */
  constructor(host: { subscribe(): WakeSubscription }, source: PagedSource<Item>, signal?: AbortSignal) {
    this.#source = source
    this.#signal = signal
    this.#subscription = host.subscribe()
  }

  /**
   * The owner's first read (its starting point), after subscribing; if it fails (throws, or its
   * promise rejects on an async engine), the subscription is released.
   */
  start<T>(read: () => T): T {
    const failed = (error: unknown): never => {
      this.#closed = true
      this.#subscription.close()
      throw error
    }
    try {
      const value = read()
      return (isThenable(value) ? (value as unknown as Promise<unknown>).catch(failed) : value) as T
    } catch (error) {
      return failed(error)
    }
  }

  get closed(): boolean {
    return this.#closed
  }

  next(): Promise<IteratorResult<Item, undefined>> {
    const result = this.#tail.then(() => this.#pull())
    this.#tail = result.catch(() => undefined)
    return result
  }

  /** Close (for a `for await` loop that exits early); rejects if the owner's `afterClose` fails. */
  async return(): Promise<IteratorResult<Item, undefined>> {
    await this.close()
    return DONE
  }

  /**
   * Stop following: release the wake subscription (a pending `next()` ends), then `afterClose`,
   * whose promise (on an async engine) this returns. Idempotent.
   */
  close(): void | Promise<void> {
    if (this.#closed) return
    this.#release()
    return this.#source.afterClose?.()
  }

  async #pull(): Promise<IteratorResult<Item, undefined>> {
    if (this.#closed) return DONE
    try {
      const before = this.#source.beforeNext?.()
      if (before !== undefined) await before
      while (!this.#closed) {
        if (this.#signal?.aborted === true) {
          const closing = this.close()
          if (closing !== undefined) await closing
          break
        }
        if (this.#cursor < this.#page.length) {
          const pause = this.#slice.yieldIfSpent()
          if (pause !== undefined) {
            await pause
            continue
          }
          const item = this.#page[this.#cursor++]!
          this.#source.handOut(item)
          return { done: false, value: item }
        }
        const page = this.#source.readPage()
        this.#page = Array.isArray(page) ? page : await page
        this.#cursor = 0
        if (this.#page.length > 0) continue
        const woke = await this.#subscription.wait({ timeoutMs: this.#source.waitTimeoutMs(), signal: this.#signal })
        this.#slice.restart()
        if (woke === 'timeout') {
          const after = this.#source.afterTimeout?.()
          if (after !== undefined) await after
        }
      }
    } catch (error) {
      // Our own close() rejects the pending wait: that is the end of the iteration, not an error.
      if (this.#closed) return DONE
      this.#release()
      try {
        const closing = this.#source.afterClose?.()
        if (closing !== undefined) await closing
      } catch {
        // The original error is the one to report.
      }
      throw error
    }
    return DONE
  }

  #release(): void {
    this.#closed = true
    this.#page = []
    this.#subscription.close()
  }
}
