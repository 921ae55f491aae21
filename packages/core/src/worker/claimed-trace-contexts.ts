/**
 * An instrumented worker's stored trace contexts, from the claim that read them until each job's
 * attempt takes its own: the claim returns them (no read per job). A new claim drops the last
 * one's: the worker starts every job of a claim before it claims again, so nothing is left to take.
 * @internal
 */
export class ClaimedTraceContexts<J> {
  readonly #byJob = new Map<J, string | null>()

  /** A claim took `jobs`; `contextOf` gives each one's stored context. */
  remember(jobs: readonly J[], contextOf: (job: J, index: number) => string | null): void {
    this.#byJob.clear()
    jobs.forEach((job, index) => this.#byJob.set(job, contextOf(job, index)))
  }

  /** A claim with instrumentation off: keep nothing. */
  forget(): void {
    // Map#clear allocates a new table even when empty, and this runs on every claim of every worker.
    if (this.#byJob.size > 0) this.#byJob.clear()
  }

  /** `job`'s context, once; undefined when its claim kept none (read it then). */
  take(job: J): string | null | undefined {
    const stored = this.#byJob.get(job)
    if (stored !== undefined) this.#byJob.delete(job)
    return stored
  }
}
