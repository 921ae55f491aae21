import { randomUUID } from 'node:crypto'
import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import type { LeaseGrant, LeaseHolder, LockOps } from '../engine/coordination-ops.ts'
import { mapResult, settle, type Mode, type Result } from '../executor/executor.ts'
import type { Transaction } from '../transaction.ts'
import { MAX_SECONDS, MAX_TIMER_MS, optionalInteger, requireInteger, requireName } from '../validate.ts'

export interface LockOptions {
  /** Seconds a lease lasts from acquire or renew. Required: a crashed holder frees the name after it. */
  ttlS: number
  /** Identifies this holder. Default: a random id, unique to this Lock object. */
  owner?: string
}

function requireTtl(value: unknown, argument: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value <= 0) {
    throw new InvalidArgumentError(argument, `must be positive, got ${value}`)
  }
  return requireInteger(value, argument, { min: 1, max: MAX_SECONDS })
}

/**
 * A named lease in `_honker_locks`, shared with every honker binding and process on the database
 * (`honker_lock_acquire/renew/release`). One holder at a time; a holder that dies frees the name
 * when its TTL lapses. Each call is one short write. The same class serves every engine: on
 * SQLite its methods return values, on PostgreSQL promises (`M`).
 *
 * ```ts
 * const lock = db.lock('nightly-report', { ttlS: 60 })
 * if (lock.acquire()) {
 *   try { await buildReport() } finally { lock.release() }
 * }
 * ```
 */
export class Lock<M extends Mode = 'sync', Tx = Transaction> {
  readonly name: string
  readonly owner: string
  readonly ttlS: number
  readonly #ops: LockOps<M, Tx>
  #grant: LeaseGrant | null = null
  #askedAtMs = 0

  /** @internal Use `db.lock()`. */
  constructor(ops: LockOps<M, Tx>, name: string, options: LockOptions) {
    requireName(name, 'name')
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an options object with ttlS')
    this.#ops = ops
    this.name = name
    this.ttlS = requireTtl(options.ttlS, 'ttlS')
    this.owner = options.owner === undefined ? randomUUID() : requireName(options.owner, 'owner')
  }

  /**
   * Whether this object holds the lease, as of its last acquire/renew/release and the clock. Another
   * process may have taken a lapsed lease since; `renew()` checks against the database.
   */
  get held(): boolean {
    return this.#grant !== null && this.#ops.stillRuns(this.#grant, this.#askedAtMs)
  }

  /** Unix second the lease lapses, as of the last successful call; null when not held. */
  get expiresAt(): number | null {
    return this.#grant?.expiresAt ?? null
  }

  /**
   * Take the lease if it is free or lapsed; true if this owner holds it afterwards. Holding it
   * already returns true WITHOUT extending it (honker's rule): use `renew()` as the heartbeat.
   *
   * ```ts
   * const leader = db.lock('leader', { ttlS: 30, owner: `web-${process.pid}` })
   * if (leader.acquire()) startSingletonWork()
   * ```
   */
  acquire(): Result<M, boolean> {
    const askedAtMs = performance.now()
    return mapResult(this.#ops.acquire(this.name, this.owner, this.ttlS), ({ holder, nowS }) => {
      const mine = holder !== null && holder.owner === this.owner
      this.#hold(mine ? { expiresAt: holder.expiresAt, nowS } : null, askedAtMs)
      return mine
    })
  }

  /**
   * Extend this owner's lease to now + `ttlS` (default: the lock's TTL). False when the lease is gone
   * or another owner took it after it lapsed; that owner's lease is never touched.
   *
   * ```ts
   * const timer = setInterval(() => { if (!lock.renew()) abortWork() }, 10_000)
   * ```
   */
  renew(ttlS?: number): Result<M, boolean> {
    return settle(this.#ops.mode, () => this.#renew(ttlS === undefined ? this.ttlS : requireTtl(ttlS, 'ttlS'), undefined))
  }

  /** @internal Renew inside the caller's transaction (the scheduler's fenced tick). */
  renewIn(tx: Tx): Result<M, boolean> {
    return this.#renew(this.ttlS, tx)
  }

  #renew(ttlS: number, tx: Tx | undefined): Result<M, boolean> {
    const askedAtMs = performance.now()
    return mapResult(this.#ops.renew(this.name, this.owner, ttlS, tx), (grant) => {
      this.#hold(grant, askedAtMs)
      return grant !== null
    })
  }

  /**
   * Give the lease up; true if this owner held it (lapsed or not) and it is now free.
   *
   * ```ts
   * lock.release()
   * ```
   */
  release(): Result<M, boolean> {
    this.#hold(null, 0)
    return this.#ops.release(this.name, this.owner)
  }

  /** @internal The current holder of this name and its expiry, without writing. */
  peek(): Result<M, LeaseHolder | null> {
    return this.#ops.get(this.name)
  }

  #hold(grant: LeaseGrant | null, askedAtMs: number): void {
    this.#grant = grant
    this.#askedAtMs = askedAtMs
  }
}

export interface WithLockOptions extends LockOptions {
  /** Renew the lease this often while `fn` runs. Default: a third of the TTL. */
  renewIntervalMs?: number
}

/** What `fn` gets from `withLock`. */
export interface LockContext<M extends Mode = 'sync', Tx = Transaction> {
  lock: Lock<M, Tx>
  /** Aborted if the lease is lost while `fn` runs (a renew failed): stop, someone else may hold it. */
  signal: AbortSignal
}

/** @internal The implementation of `db.withLock`, on any engine. */
export async function withLock<T, M extends Mode, Tx>(
  ops: LockOps<M, Tx>,
  name: string,
  options: WithLockOptions,
  fn: (context: LockContext<M, Tx>) => T | Promise<T>,
): Promise<T> {
  if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'must be a function')
  const lock = new Lock<M, Tx>(ops, name, options)
  // Node runs a timer longer than 2^31-1 ms after 1 ms instead: a long TTL (over ~74 days) must
  // not turn into a renewal every millisecond, so the default is capped and larger values rejected.
  const renewMs =
    optionalInteger(options.renewIntervalMs, 'renewIntervalMs', { min: 1, max: MAX_TIMER_MS }) ??
    Math.min(MAX_TIMER_MS, Math.max(1, Math.floor((lock.ttlS * 1000) / 3)))
  if (!(await lock.acquire())) throw new HonkerError('lock_not_held', `lock ${JSON.stringify(name)} is held by another owner`)
  const controller = new AbortController()
  let renewing = false
  const lost = (reason: unknown) => {
    controller.abort(reason)
    clearInterval(timer)
  }
  const timer = setInterval(() => {
    // A renewal still in flight when the next tick comes (a slow server) is not doubled.
    if (renewing) return
    renewing = true
    Promise.resolve()
      .then(() => lock.renew())
      .then(
        (held) => {
          if (!held) lost(new Error(`lost the lease on lock ${JSON.stringify(name)}`))
        },
        lost,
      )
      .finally(() => {
        renewing = false
      })
  }, renewMs)
  timer.unref?.()
  try {
    return await fn({ lock, signal: controller.signal })
  } finally {
    clearInterval(timer)
    try {
      await lock.release()
    } catch {
      // The database closed while fn ran: the lease lapses on its own after its TTL.
    }
  }
}
