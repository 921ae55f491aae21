/**
 * One attempt's abort, behind its handler's `signal`. The AbortController behind `signal` is
 * made only when the handler reads it: one per job costs about 2 µs (a tenth of a no-op job's
 * whole cost), and most handlers never look. An abort before that read is kept and applied then,
 * so the handler still sees an aborted signal with its reason.
 * @internal
 */
export class AttemptAbort {
  #controller: AbortController | undefined
  #aborted = false
  #reason: unknown

  get aborted(): boolean {
    return this.#aborted
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.#controller?.abort(reason)
  }
}
