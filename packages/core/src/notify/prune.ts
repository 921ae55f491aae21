import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import type { NotifyOps, PruneLimits } from '../engine/notify-ops.ts'
import type { Mode } from '../executor/executor.ts'
import type { Host } from '../host.ts'
import { MAX_SECONDS, MAX_TIMER_MS, optionalInteger, requireObject } from '../validate.ts'
import { PRUNE_NOTIFICATIONS_KEEP_NEWEST, PRUNE_NOTIFICATIONS_OLDER_THAN } from './notify.sql.ts'

export interface PruneNotificationsOptions {
  /** Delete notifications created more than this many whole seconds ago. */
  olderThanS?: number
  /** Keep only the newest this many notifications, over all channels together (honker's rule). */
  maxKeep?: number
}

export interface AutoPruneOptions extends PruneNotificationsOptions {
  /** How often to prune. Default 60000. */
  intervalMs?: number
  /**
   * Called when a prune fails for a reason other than a busy database (a busy write lock just
   * waits for the next interval). Default: a process warning.
   */
  onError?: (error: unknown) => void
}


const DEFAULT_INTERVAL_MS = 60_000

/** @internal */
export function requirePruneLimits(options: PruneNotificationsOptions | undefined): PruneLimits {
  requireObject(options, 'options')
  const olderThanS = optionalInteger(options?.olderThanS, 'olderThanS', { min: 0, max: MAX_SECONDS })
  const maxKeep = optionalInteger(options?.maxKeep, 'maxKeep', { min: 0 })
  if (olderThanS === undefined && maxKeep === undefined) {
    // honker prunes nothing when given neither; a call that can never delete is almost surely a bug.
    throw new InvalidArgumentError('options', 'give olderThanS, maxKeep or both')
  }
  return { olderThanS, maxKeep }
}

/**
 * Delete old notifications in one write transaction; returns how many rows went. Both limits
 * apply when both are given (a row goes if either says so). Each cut-off is computed inside its
 * DELETE, under the write lock (pitfalls 8.3.8).
 * @internal
 */
export function pruneNotifications(host: Host, limits: PruneLimits): number {
  return host.write(() => {
    let deleted = 0
    if (limits.olderThanS !== undefined) {
      deleted += host.executor.run(
        PRUNE_NOTIFICATIONS_OLDER_THAN,
        PRUNE_NOTIFICATIONS_OLDER_THAN.bind({ now: host.nowS(), older_than_s: limits.olderThanS }),
      ).changes
    }
    if (limits.maxKeep !== undefined) {
      deleted += host.executor.run(
        PRUNE_NOTIFICATIONS_KEEP_NEWEST,
        PRUNE_NOTIFICATIONS_KEEP_NEWEST.bind({ max_keep: limits.maxKeep }),
      ).changes
    }
    return deleted
  })
}

/**
 * A retention policy applied on a timer (honker never prunes notifications by itself). The timer
 * does not keep the process alive, and the pruner stops with the database. One class for every
 * engine; a prune still running when the next tick comes is not doubled.
 */
export class NotificationPruner {
  readonly olderThanS: number | undefined
  readonly maxKeep: number | undefined
  readonly intervalMs: number
  readonly #ops: NotifyOps<Mode, unknown>
  readonly #onError: (error: unknown) => void
  #pruning = false
  #timer: NodeJS.Timeout | null
  /** Rows deleted by this pruner so far. */
  deleted = 0

  /** @internal Use `db.autoPruneNotifications()`. */
  constructor(ops: NotifyOps<Mode, unknown>, options: AutoPruneOptions) {
    const limits = requirePruneLimits(options)
    this.olderThanS = limits.olderThanS
    this.maxKeep = limits.maxKeep
    this.intervalMs = optionalInteger(options.intervalMs, 'intervalMs', { min: 1, max: MAX_TIMER_MS }) ?? DEFAULT_INTERVAL_MS
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new InvalidArgumentError('onError', 'must be a function')
    }
    this.#onError = options.onError ?? warn
    this.#ops = ops
    this.#timer = setInterval(() => this.#tick(), this.intervalMs)
    this.#timer.unref()
  }

  get running(): boolean {
    return this.#timer !== null
  }

  /** Stop pruning. Idempotent. */
  stop(): void {
    if (this.#timer === null) return
    clearInterval(this.#timer)
    this.#timer = null
  }

  #tick(): void {
    if (this.#pruning) return
    this.#pruning = true
    Promise.resolve()
      .then(() => this.#ops.prune(this))
      .then(
        (deleted) => {
          this.deleted += deleted
        },
        (error: unknown) => {
          if (HonkerError.isInstance(error, 'closed')) return this.stop()
          if (HonkerError.isInstance(error, 'busy')) return
          this.#onError(error)
        },
      )
      .finally(() => {
        this.#pruning = false
      })
  }
}

function warn(error: unknown): void {
  process.emitWarning(`honker: pruning notifications failed: ${String(error)}`, { code: 'HONKER_PRUNE_FAILED' })
}
