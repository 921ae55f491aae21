/**
 * A tracer or meter that throws must not fail jobs, nor flood the log: the first failure of the
 * process is reported (with `console.warn`, or the `onError` given to `instrumentHonker`), later
 * ones are counted silently.
 */
export class OnceReporter {
  #reported = false
  failures = 0
  readonly #report: (error: unknown) => void

  constructor(report: ((error: unknown) => void) | undefined) {
    this.#report = report ?? ((error) => console.warn('@honker/otel: telemetry failed; jobs keep running, later failures are not reported:', error))
  }

  failed(error: unknown): void {
    this.failures++
    if (this.#reported) return
    this.#reported = true
    try {
      this.#report(error)
    } catch {
      // A failing reporter is ignored too.
    }
  }
}
