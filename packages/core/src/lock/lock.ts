import { randomUUID } from 'node:crypto'
import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import { MAX_SECONDS, MAX_TIMER_MS, optionalInteger, requireInteger, requireName } from '../validate.ts'
import { DELETE_EXPIRED_LOCK, GET_LOCK, INSERT_LOCK, RELEASE_LOCK, RENEW_LOCK } from './lock.sql.ts'

export interface LockOptions {
  /** Seconds a lease lasts from acquire or renew. Required: a crashed holder frees the name after it. */
  ttlS: number
  /** Identifies this holder. Default: a random id, unique to this Lock object. */
  owner?: string
}

/** The longest delay setTimeout/setInterval honour. */

function requireTtl(value: unknown, argument: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value <= 0) {
    throw new InvalidArgumentError(argument, `must be positive, got ${value}`)
  }
  return requireInteger(value, argument, { min: 1, max: MAX_SECONDS })
}

/**
 * A named lease in `_honker_locks`, shared with every honker binding and process on the file
 * (`honker_lock_acquire/renew/release`). One holder at a time; a holder that dies frees the name
 * when its TTL lapses. Each call is one short write transaction.
 *
 * ```ts
 * const lock = db.lock('nightly-report', { ttlS: 60 })
 * if (lock.acquire()) {
 *   try { await buildReport() } finally { lock.release() }
 * }
 * ```
 */
export class Lock {
  readonly name: string
  readonly owner: string
  readonly ttlS: number
  readonly #host: Host
  #expiresAt: number | null = null

  /** @internal Use `db.lock()`. */
  constructor(host: Host, name: string, options: LockOptions) {
    requireName(name, 'name')
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an options object with ttlS')
    this.#host = host
    this.name = name
    this.ttlS = requireTtl(options.ttlS, 'ttlS')
    this.owner = options.owner === undefined ? randomUUID() : requireName(options.owner, 'owner')
  }

  /**
   * Whether this object holds the lease, as of its last acquire/renew/release and the clock. Another
   * process may have taken a lapsed lease since; `renew()` checks against the database.
   */
  get held(): boolean {
    return this.#expiresAt !== null && this.#host.nowS() < this.#expiresAt
  }

  /** Unix second the lease lapses, as of the last successful call; null when not held. */
  get expiresAt(): number | null {
    return this.#expiresAt
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
  acquire(): boolean {
    const row = this.#host.write(() => {
      const { executor } = this.#host
      const now = this.#host.nowS()
      executor.run(DELETE_EXPIRED_LOCK, DELETE_EXPIRED_LOCK.bind({ name: this.name, now }))
      executor.run(INSERT_LOCK, INSERT_LOCK.bind({ name: this.name, owner: this.owner, expires_at: now + this.ttlS }))
      return executor.get<{ owner: string; expires_at: number | bigint }>(GET_LOCK, GET_LOCK.bind({ name: this.name }))
    })
    const mine = row !== undefined && row.owner === this.owner
    this.#expiresAt = mine ? toNumber(row.expires_at) : null
    return mine
  }

  /**
   * Extend this owner's lease to now + `ttlS` (default: the lock's TTL). False when the lease is gone
   * or another owner took it after it lapsed; that owner's lease is never touched.
   *
   * ```ts
   * const timer = setInterval(() => { if (!lock.renew()) abortWork() }, 10_000)
   * ```
   */
  renew(ttlS?: number): boolean {
    const ttl = ttlS === undefined ? this.ttlS : requireTtl(ttlS, 'ttlS')
    const expiresAt = this.#host.write(() => {
      const at = this.#host.nowS() + ttl
      const { changes } = this.#host.executor.run(
        RENEW_LOCK,
        RENEW_LOCK.bind({ name: this.name, owner: this.owner, expires_at: at }),
      )
      // An identical rewrite (same second) reports a change too; only a missing row reports none.
      return changes === 1 ? at : null
    })
    this.#expiresAt = expiresAt
    return expiresAt !== null
  }

  /**
   * Give the lease up; true if this owner held it (lapsed or not) and it is now free.
   *
   * ```ts
   * lock.release()
   * ```
   */
  release(): boolean {
    const { changes } = this.#host.write(() =>
      this.#host.executor.run(RELEASE_LOCK, RELEASE_LOCK.bind({ name: this.name, owner: this.owner })),
    )
    this.#expiresAt = null
    return changes === 1
  }

  /** @internal The current holder of this name and its expiry, without writing. */
  peek(): { owner: string; expiresAt: number } | null {
    this.#host.assertOpen()
    const row = this.#host.executor.get<{ owner: string; expires_at: number | bigint }>(GET_LOCK, GET_LOCK.bind({ name: this.name }))
    return row === undefined ? null : { owner: row.owner, expiresAt: toNumber(row.expires_at) }
  }
}

export interface WithLockOptions extends LockOptions {
  /** Renew the lease this often while `fn` runs. Default: a third of the TTL. */
  renewIntervalMs?: number
}

/** What `fn` gets from `withLock`. */
export interface LockContext {
  lock: Lock
  /** Aborted if the lease is lost while `fn` runs (a renew failed): stop, someone else may hold it. */
  signal: AbortSignal
}

/** @internal The implementation of `db.withLock`. */
export async function withLock<T>(
  host: Host,
  name: string,
  options: WithLockOptions,
  fn: (context: LockContext) => T | Promise<T>,
): Promise<T> {
  if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'must be a function')
  const lock = new Lock(host, name, options)
  // Node runs a timer longer than 2^31-1 ms after 1 ms instead: a long TTL (over ~74 days) must
  // not turn into a renewal every millisecond, so the default is capped and larger values rejected.
  const renewMs =
    optionalInteger(options.renewIntervalMs, 'renewIntervalMs', { min: 1, max: MAX_TIMER_MS }) ??
    Math.min(MAX_TIMER_MS, Math.max(1, Math.floor((lock.ttlS * 1000) / 3)))
  if (!lock.acquire()) throw new HonkerError('lock_not_held', `lock ${JSON.stringify(name)} is held by another owner`)
  const controller = new AbortController()
  const timer = setInterval(() => {
    try {
      if (!lock.renew()) controller.abort(new Error(`lost the lease on lock ${JSON.stringify(name)}`))
    } catch (error) {
      controller.abort(error)
    }
    if (controller.signal.aborted) clearInterval(timer)
  }, renewMs)
  timer.unref?.()
  try {
    return await fn({ lock, signal: controller.signal })
  } finally {
    clearInterval(timer)
    try {
      lock.release()
    } catch {
      // The database closed while fn ran: the lease lapses on its own after its TTL.
    }
  }
}
