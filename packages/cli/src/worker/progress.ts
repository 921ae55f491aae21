import type { Worker } from '@honker/core'
import { OLDEST_PENDING, type DriverConnection, type DriverStatement } from '@honker/core/adapter'

/** What the status line and the JSON `status` event show. */
export interface ProgressSnapshot {
  /** Jobs whose handler returned and that were acked. */
  processed: number
  /** Jobs that failed for good (moved to the dead letters). */
  failed: number
  /** Failures that will run again after a delay. */
  retried: number
  /** Jobs whose claim was lost while running (lapsed or cancelled). */
  lost: number
  /** Jobs handed back to the queue at shutdown. */
  released: number
  running: number
  concurrency: number
  /** Processed jobs per second over the last 10 seconds. */
  rate: number
  /** Seconds the oldest ready job of the queue has waited since it became due; null if none waits. */
  oldestPendingS: number | null
}

const WINDOW_S = 10

/** Counts from the worker, a throughput window, and the queue's oldest pending job. */
export class Progress {
  readonly #worker: Worker<unknown>
  readonly #reader: DriverConnection
  readonly #concurrency: number
  readonly #startedMs = Date.now()
  /** Completions per whole second, for the last WINDOW_S seconds. */
  readonly #buckets = new Map<number, number>()
  #oldest: number | null = null
  #statement: DriverStatement | null = null

  constructor(worker: Worker<unknown>, reader: DriverConnection, concurrency: number) {
    this.#worker = worker
    this.#reader = reader
    this.#concurrency = concurrency
  }

  recordCompletion(): void {
    const second = Math.floor(Date.now() / 1000)
    this.#buckets.set(second, (this.#buckets.get(second) ?? 0) + 1)
  }

  snapshot(): ProgressSnapshot {
    const stats = this.#worker.stats
    return {
      processed: stats.completed,
      failed: stats.dead,
      retried: stats.retried,
      lost: stats.lost,
      released: stats.released,
      running: this.#worker.running,
      concurrency: this.#concurrency,
      rate: this.#rate(),
      oldestPendingS: this.#oldestPendingS(),
    }
  }

  #rate(): number {
    const nowMs = Date.now()
    const oldestSecond = Math.floor(nowMs / 1000) - WINDOW_S + 1
    let total = 0
    for (const [second, count] of this.#buckets) {
      if (second < oldestSecond) this.#buckets.delete(second)
      else total += count
    }
    const spanS = Math.min(WINDOW_S, Math.max(1, (nowMs - this.#startedMs) / 1000))
    return Math.round((total / spanS) * 10) / 10
  }

  #oldestPendingS(): number | null {
    const now = Math.floor(Date.now() / 1000)
    try {
      // Core's seek on the `(queue, run_at) WHERE state = 'pending'` index: cheap on every redraw.
      this.#statement ??= this.#reader.prepare(OLDEST_PENDING.text)
      const oldest = this.#statement.value(OLDEST_PENDING.bind({ queue: this.#worker.queue, now }))
      this.#oldest = oldest == null ? null : Number(oldest)
    } catch {
      // A busy or briefly unreadable file: keep showing the last figure rather than failing the worker.
    }
    return this.#oldest === null ? null : Math.max(0, now - this.#oldest)
  }
}
