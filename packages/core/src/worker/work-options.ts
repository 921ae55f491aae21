import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { MAX_TIMER_MS, optionalInteger, optionalMilliseconds, optionalSignal, requireObject } from '../validate.ts'
import { resolveBackoff, type BackoffOptions, type ResolvedBackoff } from './backoff.ts'
import { requireLogger, type WorkerLogger } from './worker-logger.ts'

export interface WorkOptions {
  /** Identifies this worker's claims. Default `host:pid:random`. */
  workerId?: string
  /** Jobs run at once. Default 1. */
  concurrency?: number
  /** Stop (gracefully) when this signal aborts: wire it to SIGTERM. */
  signal?: AbortSignal
  /** Retry delays for handlers that throw. */
  backoff?: BackoffOptions
  /** Renew each running job's claim this often. Default: a third of the visibility timeout. */
  heartbeatIntervalMs?: number
  /**
   * Fail an attempt that runs longer than this: the handler's signal aborts with a
   * `JobTimeoutError` (code `timeout`), and the attempt is retried or dead-lettered as if the
   * handler had thrown it. The slot is freed at once; a handler that ignores its signal keeps
   * running, but its outcome no longer counts. Default: none (a running job heartbeats its claim
   * for as long as it runs).
   */
  timeoutMs?: number
  /**
   * Re-check the queue after this long without a wake, as paranoia. The commit watcher and the
   * next-deadline timer carry every wake; `null` disables the fallback. Default 5000.
   */
  fallbackPollMs?: number | null
  /** How long `stop()` waits for running handlers before releasing their jobs. Default 30000. */
  shutdownTimeoutMs?: number
  /** Move expired jobs to `_honker_dead` this often. Default 60000; `null` disables. */
  sweepIntervalMs?: number | null
  /**
   * Save each handler's return value as the job's result (`db.getResult(job.id)`,
   * `db.waitResult`), in the same transaction as the ack. `ttlS` keeps it that long (default:
   * forever). A value that is not JSON-serialisable fails the job like a throw would.
   */
  results?: boolean | { ttlS?: number }
  /**
   * Where to report failures: retries and lost claims as warnings, dead letters, recovered errors
   * and a fatal stop as errors. `console` works. Default: none (listen to the events instead).
   */
  logger?: WorkerLogger
}

/** `WorkOptions` checked, with every default filled in. @internal */
export interface ResolvedWorkOptions {
  readonly workerId: string
  readonly concurrency: number
  readonly backoff: ResolvedBackoff
  readonly heartbeatMs: number
  /** null: no timeout. */
  readonly timeoutMs: number | null
  /** null: no fallback poll. */
  readonly fallbackMs: number | null
  readonly shutdownTimeoutMs: number
  /** null: no sweep. */
  readonly sweepMs: number | null
  readonly signal: AbortSignal | undefined
  /** TTL of saved results (0 = forever), or null when results are not saved. */
  readonly resultTtlS: number | null
  readonly logger: WorkerLogger | undefined
}

const DEFAULT_FALLBACK_POLL_MS = 5000
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000
const DEFAULT_SWEEP_INTERVAL_MS = 60_000
/** Heartbeats never come closer than this, however short the visibility timeout. */
const MIN_DEFAULT_HEARTBEAT_MS = 250

/**
 * Check `options` (throwing InvalidArgumentError, before the worker starts anything) and fill in
 * the defaults; the default heartbeat interval is a third of the queue's `visibilityTimeoutS`.
 * @internal
 */
export function resolveWorkOptions(options: WorkOptions, visibilityTimeoutS: number): ResolvedWorkOptions {
  requireObject(options, 'options')
  if (options.workerId !== undefined && (typeof options.workerId !== 'string' || options.workerId === '')) {
    throw new InvalidArgumentError('workerId', 'must be a non-empty string')
  }
  return {
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    concurrency: optionalInteger(options.concurrency, 'concurrency', { min: 1, max: 10_000 }) ?? 1,
    backoff: resolveBackoff(options.backoff),
    heartbeatMs: Math.min(
      MAX_TIMER_MS,
      optionalMilliseconds(options.heartbeatIntervalMs, 'heartbeatIntervalMs') ??
        Math.max(MIN_DEFAULT_HEARTBEAT_MS, (visibilityTimeoutS * 1000) / 3),
    ),
    timeoutMs: requireTimeoutMs(options.timeoutMs),
    fallbackMs: nullableMilliseconds(options.fallbackPollMs, 'fallbackPollMs', DEFAULT_FALLBACK_POLL_MS),
    shutdownTimeoutMs: optionalMilliseconds(options.shutdownTimeoutMs, 'shutdownTimeoutMs') ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    sweepMs: nullableMilliseconds(options.sweepIntervalMs, 'sweepIntervalMs', DEFAULT_SWEEP_INTERVAL_MS),
    signal: optionalSignal(options.signal, 'signal'),
    resultTtlS:
      options.results === undefined || options.results === false
        ? null
        : options.results === true
          ? 0
          : (optionalInteger(options.results.ttlS, 'results.ttlS', { min: 0 }) ?? 0),
    logger: options.logger === undefined ? undefined : requireLogger(options.logger),
  }
}

function requireTimeoutMs(value: unknown): number | null {
  if (value === undefined) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new InvalidArgumentError('timeoutMs', `must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${String(value)}`)
  }
  return value
}

/** A duration that `null` switches off: `undefined` takes the default. */
function nullableMilliseconds(value: number | null | undefined, argument: string, defaultMs: number): number | null {
  return value === undefined ? defaultMs : (optionalMilliseconds(value, argument) ?? null)
}
