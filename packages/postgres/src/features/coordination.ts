import { randomUUID } from 'node:crypto'
import {
  decodePayload,
  encodePayload,
  HonkerError,
  InvalidArgumentError,
  MAX_SECONDS,
  optionalInteger,
  optionalMilliseconds,
  requireInteger,
  requireName,
  requireObject,
} from '@honker/core/engine'
import type { LockOptions, RateLimitOptions } from '@honker/core'
import type { PgEngine } from '../engine.ts'
import type { PgQueryable } from '../pg.ts'
import { wakeKey } from '../names.ts'
import { runnerOf, type PgTransaction } from './transaction.ts'

/**
 * A named lease in `_honker_locks`, on the database's clock. `held` trusts the lease only until
 * the time the server reported, measured locally from when the answer arrived, minus a margin:
 * app servers' clocks never enter into it.
 */
export class PgLock {
  readonly name: string
  readonly owner: string
  readonly ttlS: number
  readonly #engine: PgEngine
  #expiresAt: number | null = null
  /** performance.now() until which this process may act as the holder. */
  #trustedUntil = 0

  /** @internal Use `db.lock()`. */
  constructor(engine: PgEngine, name: string, options: LockOptions) {
    requireName(name, 'name')
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an options object with ttlS')
    this.#engine = engine
    this.name = name
    this.ttlS = requireInteger(options.ttlS, 'ttlS', { min: 1, max: MAX_SECONDS })
    this.owner = options.owner === undefined ? randomUUID() : requireName(options.owner, 'owner')
  }

  get held(): boolean {
    return this.#expiresAt !== null && performance.now() < this.#trustedUntil
  }

  get expiresAt(): number | null {
    return this.#expiresAt
  }

  /** Take the lease if it is free or lapsed; true when this owner holds it. A held lease is not extended. */
  async acquire(): Promise<boolean> {
    const asked = performance.now()
    const { rows } = await this.#engine.query<{ owner: string; expires_at: string; now: string }>(this.#engine.coordination.acquireLock, [
      this.name,
      this.owner,
      this.ttlS,
    ])
    const row = rows[0]
    const mine = row !== undefined && row.owner === this.owner
    this.#hold(mine ? Number(row.expires_at) : null, mine ? Number(row.now) : 0, asked)
    return mine
  }

  /** Extend the lease by `ttlS` from now; false if this owner no longer holds it. */
  renew(ttlS?: number): Promise<boolean> {
    const ttl = ttlS === undefined ? this.ttlS : requireInteger(ttlS, 'ttlS', { min: 1, max: MAX_SECONDS })
    return this.#renew(ttl, this.#engine.pool)
  }

  /** @internal Renew inside the caller's transaction (the scheduler's fenced tick). */
  renewOn(runner: PgQueryable): Promise<boolean> {
    return this.#renew(this.ttlS, runner)
  }

  async #renew(ttl: number, runner: PgQueryable): Promise<boolean> {
    const asked = performance.now()
    const { rows } = await this.#engine.query<{ expires_at: string }>(this.#engine.coordination.renewLock, [this.name, this.owner, ttl], runner)
    const expiresAt = rows[0] === undefined ? null : Number(rows[0].expires_at)
    this.#hold(expiresAt, expiresAt === null ? 0 : expiresAt - ttl, asked)
    return expiresAt !== null
  }

  async release(): Promise<boolean> {
    const { rows } = await this.#engine.query<{ released: string }>(this.#engine.coordination.releaseLock, [
      this.name,
      this.owner,
      wakeKey('l', this.name),
    ])
    this.#hold(null, 0, 0)
    return Number(rows[0]!.released) === 1
  }

  /** The current holder and its expiry, without writing. */
  async peek(): Promise<{ owner: string; expiresAt: number } | null> {
    const { rows } = await this.#engine.query<{ owner: string; expires_at: string }>(this.#engine.coordination.getLock, [this.name])
    return rows[0] === undefined ? null : { owner: rows[0].owner, expiresAt: Number(rows[0].expires_at) }
  }

  #hold(expiresAt: number | null, serverNow: number, askedAt: number): void {
    this.#expiresAt = expiresAt
    // Whole seconds on the server: the lease may have begun up to 1 s before `serverNow` said.
    this.#trustedUntil = expiresAt === null ? 0 : askedAt + (expiresAt - serverNow - 1) * 1000
  }
}

/** A fixed-window rate limit in `_honker_rate_limits` (honker's windows), on the database's clock. */
export class PgRateLimit {
  readonly name: string
  readonly limit: number
  readonly perS: number
  readonly #engine: PgEngine
  readonly #owner: object

  /** @internal Use `db.rateLimit()`. */
  constructor(engine: PgEngine, owner: object, name: string, options: RateLimitOptions) {
    this.#engine = engine
    this.#owner = owner
    this.name = requireName(name, 'rate limit name')
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object with limit and perS')
    this.limit = requireInteger(options.limit, 'limit', { min: 1 })
    this.perS = requireInteger(options.perS, 'perS', { min: 1 })
  }

  /** Take a slot in the current window; false when it is full. In `tx`, a rollback gives it back. */
  async try(options: { tx?: PgTransaction } = {}): Promise<boolean> {
    requireObject(options, 'options')
    const runner = runnerOf(options.tx, this.#owner)
    const { rowCount } = await this.#engine.query(this.#engine.coordination.tryRateLimit, [this.name, this.perS, this.limit], runner)
    return rowCount === 1
  }

  async remaining(): Promise<number> {
    const { rows } = await this.#engine.query<{ count: string }>(this.#engine.coordination.rateLimitState, [this.name, this.perS])
    return Math.max(0, this.limit - Number(rows[0]!.count))
  }

  async resetsAt(): Promise<number> {
    const { rows } = await this.#engine.query<{ window_start: string }>(this.#engine.coordination.rateLimitState, [this.name, this.perS])
    return Number(rows[0]!.window_start) + this.perS
  }
}

export interface SaveResultOptions {
  /** Seconds the result is kept; 0 (default) keeps it until deleted. */
  ttlS?: number
  tx?: PgTransaction
}

export type ResultLookup<T = unknown> = { found: true; value: T } | { found: false }

/** Results: saved with a job's ack (`resultTtlS`) or by hand, read back, awaited across processes. */
export class PgResults {
  readonly #engine: PgEngine
  readonly #owner: object

  /** @internal */
  constructor(engine: PgEngine, owner: object) {
    this.#engine = engine
    this.#owner = owner
  }

  async save(jobId: number, value: unknown, options: SaveResultOptions = {}): Promise<void> {
    requireInteger(jobId, 'jobId', { min: 1 })
    requireObject(options, 'options')
    const ttlS = optionalInteger(options.ttlS, 'ttlS', { min: 0, max: MAX_SECONDS }) ?? 0
    const text = encodePayload(value, 'value', this.#engine.maxPayloadBytes)
    const runner = runnerOf(options.tx, this.#owner)
    await this.#engine.query(this.#engine.coordination.saveResult, [jobId, text, ttlS, wakeKey('r', jobId)], runner)
  }

  async get<T>(jobId: number): Promise<ResultLookup<T>> {
    requireInteger(jobId, 'jobId', { min: 1 })
    const { rows } = await this.#engine.query<{ value: string }>(this.#engine.coordination.getResult, [jobId])
    if (rows[0] === undefined) return { found: false }
    return { found: true, value: decodePayload(rows[0].value, `result of job ${jobId}`) as T }
  }

  /** Resolve with the job's result once saved, by any process; `timeout` after `timeoutMs`. */
  async wait<T>(jobId: number, options: { timeoutMs?: number | null; signal?: AbortSignal } = {}): Promise<T> {
    requireInteger(jobId, 'jobId', { min: 1 })
    requireObject(options, 'options')
    const timeoutMs = optionalMilliseconds(options.timeoutMs, 'timeoutMs') ?? null
    const deadline = timeoutMs === null ? null : performance.now() + timeoutMs
    const subscription = this.#engine.wake.subscribe([wakeKey('r', jobId)])
    try {
      for (;;) {
        const found = await this.get<T>(jobId)
        if (found.found) return found.value
        const left = deadline === null ? 5_000 : Math.min(5_000, deadline - performance.now())
        if (left <= 0) throw new HonkerError('timeout', `no result for job ${jobId} within ${timeoutMs} ms`)
        if ((await subscription.wait({ timeoutMs: left, signal: options.signal })) === 'aborted') {
          throw new HonkerError('timeout', `waiting for the result of job ${jobId} was aborted`)
        }
      }
    } finally {
      subscription.close()
    }
  }

  async sweep(): Promise<number> {
    return (await this.#engine.query(this.#engine.coordination.sweepResults, [])).rowCount ?? 0
  }
}
