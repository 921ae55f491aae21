/**
 * The telemetry seam (issue 19). Core never imports OpenTelemetry: `@honker/otel` implements this
 * interface and registers it process-wide with `setInstrumentation`, as OpenTelemetry's own
 * providers and propagators are process-wide. With nothing registered, each hot path does one
 * `undefined` check and nothing else: no extra statement, no extra bound parameter.
 *
 * An implementation must never throw out of these hooks (a failing tracer or meter must not fail a
 * job); `@honker/otel` catches and reports such failures once per process.
 */

/** What an attempt's observer knows of the job it runs. */
export interface AttemptInfo {
  readonly id: number
  readonly queue: string
  /** This execution's number, 1 on the first run. */
  readonly attempts: number
  readonly maxAttempts: number
  /** Unix seconds the job became due. */
  readonly runAt: number
  /** Unix seconds the job was enqueued. */
  readonly createdAt: number
  readonly workerId: string
}

/** How an attempt ended, as the worker recorded it. */
export type AttemptOutcome =
  | { kind: 'completed' }
  | { kind: 'retried'; error: unknown; delayS: number }
  | { kind: 'dead'; error: unknown }
  /** The claim lapsed or the job was cancelled while running: nothing was recorded. */
  | { kind: 'lost' }
  /** Shutdown timed out: the job went back to the queue, its attempt given back. */
  | { kind: 'released' }

/** One attempt in the worker: `run` runs the handler inside the attempt's context, `end` once. */
export interface AttemptObserver {
  run<T>(fn: () => T): T
  end(outcome: AttemptOutcome): void
}

/** A worker woken by a commit claimed jobs: how long from the wake's first sign to the claim's return. */
export interface WakeInfo {
  readonly queue: string
  readonly workerId: string
  /**
   * From the wake source's first sign of the commit (the file event the SQLite watcher confirmed
   * with `data_version`, the poll that saw it move, a NOTIFY's arrival on PostgreSQL) to the
   * return of the claim it caused, just before the handlers start.
   */
  readonly latencyMs: number
  /** Jobs that claim took. */
  readonly claimed: number
}

/** What an enqueue returned: one id, several, or a unique enqueue's `{ id, created }`. */
export type EnqueueResultValue = number | readonly number[] | { id: number; created: boolean }

export interface Instrumentation {
  /**
   * Around one enqueue (one or `count` jobs): `insert` is called exactly once, with the trace
   * context to store beside the job (null for none), and its value (or promise) is returned as is.
   */
  enqueue<R>(queue: string, count: number, insert: (traceContext: string | null) => R): R
  /** A worker starts an attempt; `traceContext` is what the enqueue stored (null, or anything another implementation wrote). */
  attempt(job: AttemptInfo, traceContext: string | null): AttemptObserver
  /** A worker's commit wake claimed jobs (optional: an implementation without wake figures omits it). */
  woke?(wake: WakeInfo): void
}

let current: Instrumentation | undefined

/**
 * Register (or with `undefined`, remove) the process's instrumentation. Enqueues and attempts that
 * start afterwards use it. Called by `@honker/otel`'s `instrumentHonker()`; apps rarely call it.
 */
export function setInstrumentation(instrumentation: Instrumentation | undefined): void {
  current = instrumentation
}

/** The registered instrumentation, or undefined (telemetry off). */
export function getInstrumentation(): Instrumentation | undefined {
  return current
}
