import type { EventEmitter } from 'node:events'
import { retryWhileBusy } from '../busy-retry.ts'
import { encodePayload } from '../payload.ts'
import type { Job } from '../queue/job.ts'
import { backoffDelayS, type ResolvedBackoff } from './backoff.ts'
import { RetryLaterError, UnrecoverableError } from './control-errors.ts'
import type { WorkerEvents, WorkerStats } from './worker-events.ts'
import type { WorkerJob, WorkerStorage } from './worker-storage.ts'

/** Where outcomes are reported: the worker's counters and its events. @internal */
export type WorkerReport<Payload, J extends WorkerJob = Job<Payload>> = Pick<EventEmitter<WorkerEvents<Payload, J>>, 'emit'> & { readonly stats: WorkerStats }

/**
 * Records how a claimed job ended (acked with its result, retried with backoff, dead-lettered,
 * released) and reports each outcome as the worker's stats and events. A transition that finds the
 * claim gone reports the job lost; a database error (once `retryWhileBusy` gives up) is reported
 * as 'worker:error', never thrown: the job then stays claimed until its claim lapses.
 *
 * Acks without a result are not recorded here: the worker's loop commits them with its next claim
 * (one commit per job) and reports them through `completed` and `lost`.
 * @internal
 */
export class Settler<Payload, J extends WorkerJob = Job<Payload>> {
  readonly #storage: WorkerStorage<Payload, J>
  readonly #backoff: ResolvedBackoff
  readonly #report: WorkerReport<Payload, J>

  constructor(storage: WorkerStorage<Payload, J>, backoff: ResolvedBackoff, report: WorkerReport<Payload, J>) {
    this.#storage = storage
    this.#backoff = backoff
    this.#report = report
  }

  /** The job's ack took effect. */
  completed(job: J, result: unknown): void {
    this.#report.stats.completed++
    this.#report.emit('job:completed', job, result)
  }

  /** The claim was no longer this worker's (lapsed, reclaimed or cancelled): nothing was recorded. */
  lost(job: J): void {
    this.#report.stats.lost++
    this.#report.emit('job:lost', job)
  }

  /** A problem the worker recovered from. */
  error(error: unknown): void {
    this.#report.emit('worker:error', error)
  }

  /**
   * The handler returned `result`: ack the job and save the result (kept `ttlS`, 0 = forever) in
   * one transaction. A result that does not encode as a payload fails the job as a throw would.
   */
  async succeeded(job: J, result: unknown, ttlS: number): Promise<void> {
    const value = result === undefined ? null : result
    try {
      encodePayload(value, 'result', this.#storage.maxPayloadBytes)
    } catch (error) {
      await this.failed(job, error)
      return
    }
    await this.#record(job, () => this.#storage.ackWithResult(job, value, ttlS), () => this.completed(job, result))
  }

  /**
   * The handler threw `error`: dead-letter the job on its last attempt or for an
   * UnrecoverableError, else retry it after the RetryLaterError's delay or the backoff.
   */
  async failed(job: J, error: unknown): Promise<void> {
    if (UnrecoverableError.isInstance(error) || job.isLastAttempt) {
      await this.#record(job, () => this.#storage.fail(job, error), () => {
        this.#report.stats.dead++
        this.#report.emit('job:dead', job, error)
      })
      return
    }
    const delayS = RetryLaterError.isInstance(error) ? error.delayS : backoffDelayS(job.attempts, this.#backoff)
    await this.#record(job, () => this.#storage.retry(job, delayS, error), () => {
      this.#report.stats.retried++
      this.#report.emit('job:retried', job, error, delayS)
    })
  }

  /** Hand the job back to the queue, not counting this attempt (shutdown timed out). */
  async release(job: J): Promise<void> {
    await this.#record(job, () => this.#storage.release(job), () => {
      this.#report.stats.released++
      this.#report.emit('job:released', job)
    })
  }

  /**
   * Apply a transition (retrying while another connection holds the write lock); report a lost
   * claim or a database error instead of throwing.
   */
  async #record(job: J, transition: () => boolean | Promise<boolean>, onDone: () => void): Promise<void> {
    try {
      if (await retryWhileBusy(this.#storage, transition)) onDone()
      else this.lost(job)
    } catch (error) {
      this.error(error)
    }
  }
}
