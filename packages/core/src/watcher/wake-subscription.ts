import { DatabaseClosedError } from '../errors/database-closed-error.ts'
import { MAX_TIMER_MS } from '../validate.ts'

/**
 * `wake`: a commit (or the watcher's conservative wake); `nudge`: only the owner's own `nudge()`,
 * settled without the event loop having run; `timeout`; `aborted`.
 */
export type WakeResult = 'wake' | 'nudge' | 'timeout' | 'aborted'

export interface WaitOptions {
  /** Give up after this many milliseconds (null or undefined: wait for a wake). */
  timeoutMs?: number | null
  signal?: AbortSignal
}

/**
 * One consumer's view of the commit watcher: a capacity-one mailbox, so a burst of commits
 * coalesces into one pending wake (docs/compatibility.md 3.2). Wakes are hints: after one, re-read.
 *
 * Create it before the first read of state, then loop read → `wait()`; a commit that lands
 * between the read and the wait leaves a pending wake and `wait()` returns at once.
 */
export class WakeSubscription {
  #pending: 'wake' | 'nudge' | null = null
  #settle: ((result: WakeResult) => void) | null = null
  #reject: ((error: Error) => void) | null = null
  #error: Error | null = null
  readonly #unsubscribe: (subscription: WakeSubscription) => void
  readonly #onClose: (() => void) | undefined
  readonly #onInterest: ((subscription: WakeSubscription) => void) | undefined
  #interested = true
  /** `performance.now()` of the first sign of the pending wake (the earliest of a coalesced burst). */
  #signalledAt: number | null = null
  #wokeAt: number | null = null

  /** @internal */
  constructor(
    unsubscribe: (subscription: WakeSubscription) => void,
    onClose?: () => void,
    onInterest?: (subscription: WakeSubscription) => void,
  ) {
    this.#unsubscribe = unsubscribe
    this.#onClose = onClose
    this.#onInterest = onInterest
  }

  /** Whether the owner wants commit wakes now (see `setInterest`). */
  get interested(): boolean {
    return this.#interested
  }

  /**
   * @internal A consumer that will look at the database again without being woken (a worker whose
   * every slot is busy with a backlog) may say so; while no subscription of a watcher is
   * interested, the watcher stops its file events, which cost the kernel work on every write this
   * process makes. Saying `true` again re-arms them and checks for commits made in between
   * (delivered as a wake), so nothing is missed: re-read after it, as after subscribing.
   */
  setInterest(interested: boolean): void {
    if (this.#interested === interested || this.#error !== null) return
    this.#interested = interested
    this.#onInterest?.(this)
  }

  /**
   * When the wake `wait()` last returned was first signalled (`performance.now()`: the file event
   * the watcher confirmed, the poll that saw the change, a NOTIFY's arrival); null when the last
   * result was not a wake. What a worker's wake-latency figure starts from.
   */
  get wokeAt(): number | null {
    return this.#wokeAt
  }

  /**
   * @internal Called by the wake source on every detected commit, `signalledAt` being when it first
   * saw it; null for a wake that is no commit (the owner's timer).
   */
  deliver(signalledAt: number | null = performance.now()): void {
    if (this.#settle !== null) {
      this.#signalledAt = signalledAt
      this.#settle('wake')
    } else if (this.#pending !== 'wake') {
      this.#signalledAt = signalledAt
      this.#pending = 'wake'
    } else {
      this.#signalledAt ??= signalledAt
    }
  }

  /** @internal The owner's own reason to look again (a worker slot freed); never hides a wake. */
  nudge(): void {
    if (this.#settle !== null) this.#settle('nudge')
    else this.#pending ??= 'nudge'
  }

  /** @internal Called by the watcher when it dies or the database closes: waiters get `error`. */
  fail(error: Error): void {
    if (this.#error !== null) return
    this.#error = error
    this.#reject?.(error)
  }

  get closed(): boolean {
    return this.#error !== null
  }

  /**
   * Resolve on the next wake (or at once if one is pending), on timeout, or on abort. Rejects with
   * the watcher's error if it died (file replaced, connection lost) or the subscription closed.
   */
  wait(options: WaitOptions = {}): Promise<WakeResult> {
    if (this.#error !== null) return Promise.reject(this.#error)
    if (this.#pending !== null) {
      const result = this.#pending
      this.#pending = null
      this.#wokeAt = result === 'wake' ? this.#signalledAt : null
      return Promise.resolve(result)
    }
    this.#wokeAt = null
    const { signal } = options
    if (signal?.aborted) return Promise.resolve('aborted')
    if (this.#settle !== null) return Promise.reject(new Error('WakeSubscription.wait: already waiting'))
    const timeoutMs = options.timeoutMs
    return new Promise<WakeResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const finish = (): void => {
        this.#settle = null
        this.#reject = null
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        finish()
        resolve('aborted')
      }
      this.#settle = (result) => {
        finish()
        if (result === 'wake') this.#wokeAt = this.#signalledAt
        resolve(result)
      }
      this.#reject = (error) => {
        finish()
        reject(error)
      }
      if (timeoutMs !== undefined && timeoutMs !== null) {
        timer = setTimeout(() => this.#settle?.('timeout'), Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Stop receiving wakes; a pending `wait()` rejects with DatabaseClosedError-like closure. */
  close(): void {
    if (this.#error === null) this.fail(new DatabaseClosedError('the wake subscription was closed'))
    this.#unsubscribe(this)
    this.#onClose?.()
  }
}
