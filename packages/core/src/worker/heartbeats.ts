import { HonkerError } from '../errors/honker-error.ts'
import { retryWhileBusy } from '../busy-retry.ts'
import type { Job } from '../queue/job.ts'
import type { Settler } from './settle.ts'
import type { WorkerJob, WorkerStorage } from './worker-storage.ts'
import type { AttemptAbort } from './attempt-abort.ts'

/** A running job as its heartbeats see it. @internal */
export interface Beating<Payload, J extends WorkerJob = Job<Payload>> {
  readonly job: J
  /** Aborted (with `claim_lost`) when a heartbeat finds the claim gone. */
  readonly abort: AttemptAbort
  /** performance.now() at which this job's claim is next renewed. */
  beatAt: number
}

/**
 * Keeps every running job's claim renewed, with one timer for all of them, not one per job: at
 * thousands of jobs a second a timer per job is a measurable cost. It works on the worker's own
 * set of running jobs, which it keeps in due order: all share one interval, so a job added (or
 * renewed) is due last and moves to the end.
 * @internal
 */
export class Heartbeats<Payload, J extends WorkerJob = Job<Payload>, Entry extends Beating<Payload, J> = Beating<Payload, J>> {
  readonly #running: Set<Entry>
  readonly #intervalMs: number
  readonly #storage: WorkerStorage<Payload, J>
  readonly #settler: Pick<Settler<Payload, J>, 'lost' | 'error'>
  #timer: NodeJS.Timeout | null = null

  constructor(running: Set<Entry>, intervalMs: number, storage: WorkerStorage<Payload, J>, settler: Pick<Settler<Payload, J>, 'lost' | 'error'>) {
    this.#running = running
    this.#intervalMs = intervalMs
    this.#storage = storage
    this.#settler = settler
  }

  /** When a job starting now is first renewed. */
  firstBeatAt(): number {
    return performance.now() + this.#intervalMs
  }

  /**
   * A job was added to the running set: make sure the timer runs. Unref'd, it must not keep a
   * process alive on its own, and it is left armed when the last job ends (cleared and re-armed
   * per job it would cost what the single timer saves).
   */
  arm(): void {
    this.#timer ??= setTimeout(() => this.#beatDue(), this.#intervalMs).unref()
  }

  /** No more renewals (the worker has drained). */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  /** Renew every claim that is due, then sleep until the next one. */
  #beatDue(): void {
    this.#timer = null
    const now = performance.now()
    // At most one pass over the entries there now: a renewed entry goes to the end of the Set,
    // and the iteration would otherwise meet it again.
    let left = this.#running.size
    for (const entry of this.#running) {
      if (left-- === 0 || entry.beatAt > now) break
      this.#running.delete(entry)
      entry.beatAt = now + this.#intervalMs
      this.#running.add(entry)
      void this.#renew(entry.job, entry.abort)
    }
    const next = this.#running.values().next()
    if (!next.done) this.#timer = setTimeout(() => this.#beatDue(), Math.max(0, next.value.beatAt - now)).unref()
  }

  /** One heartbeat; a claim found gone aborts the handler's signal and reports the job lost. */
  async #renew(job: J, abort: AttemptAbort): Promise<void> {
    if (abort.aborted) return
    let owned: boolean
    try {
      owned = await retryWhileBusy(this.#storage, () => this.#storage.heartbeat(job))
    } catch (error) {
      this.#settler.error(error)
      return
    }
    if (!owned && !abort.aborted) {
      abort.abort(new HonkerError('claim_lost', `job ${job.id}: claim lost (lapsed, reclaimed or cancelled)`))
      this.#settler.lost(job)
    }
  }
}
