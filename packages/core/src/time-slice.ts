/**
 * How long a consumer loop that always finds work may keep the event loop before it lets timers,
 * I/O and signals run. With a backlog and a fast handler every step of such a loop settles in the
 * microtask queue: without a slice the process serves nothing else (no heartbeat, no SIGTERM, no
 * HTTP request) until the backlog is gone.
 */
export const TIME_SLICE_MS = 5

/** Cooperative time-keeping for one consumer loop. @internal */
export class TimeSlice {
  #startedAt = performance.now()
  readonly #stride: number
  #countdown: number

  /** `stride`: read the clock on every stride-th step only (for steps that cost well under 1 µs). */
  constructor(stride = 1) {
    this.#stride = stride
    this.#countdown = stride
  }

  /** The event loop has just had a turn (a wake from the watcher or a timer): a new slice starts. */
  restart(): void {
    this.#startedAt = performance.now()
  }

  /**
   * Undefined while the slice lasts, so a busy loop pays one clock read per step; once it is spent,
   * a promise that settles on the event loop's next turn, after pending timers and I/O.
   */
  yieldIfSpent(): Promise<void> | undefined {
    if (--this.#countdown > 0) return undefined
    this.#countdown = this.#stride
    if (performance.now() - this.#startedAt < TIME_SLICE_MS) return undefined
    return new Promise((resolve) =>
      setImmediate(() => {
        this.#startedAt = performance.now()
        resolve()
      }),
    )
  }
}
