import type { LockOps, RateLimitOps, ResultOps } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { runnerOf, type PgTransaction } from './transaction.ts'

/**
 * Locks, rate limits and results on PostgreSQL, for core's `Lock`, `RateLimit` and `Results`:
 * one statement each, times on the database's clock (app servers' clocks never enter into it).
 * `owner` is the database a `tx` must belong to.
 */
export function pgLockOps(engine: PgEngine, owner: object): LockOps<'async', PgTransaction> {
  const c = engine.coordination
  return {
    mode: 'async',
    async acquire(name, holder, ttlS) {
      const { rows } = await engine.query<{ owner: string; expires_at: string; now: string }>(c.acquireLock, [name, holder, ttlS])
      const row = rows[0]
      return row === undefined
        ? { holder: null, nowS: 0 }
        : { holder: { owner: row.owner, expiresAt: Number(row.expires_at) }, nowS: Number(row.now) }
    },
    async renew(name, holder, ttlS, tx) {
      const { rows } = await engine.query<{ expires_at: string }>(c.renewLock, [name, holder, ttlS], runnerOf(tx, owner))
      if (rows[0] === undefined) return null
      const expiresAt = Number(rows[0].expires_at)
      return { expiresAt, nowS: expiresAt - ttlS }
    },
    async release(name, holder) {
      const { rows } = await engine.query<{ released: string }>(c.releaseLock, [name, holder, wakeKey('l', name)])
      return Number(rows[0]!.released) === 1
    },
    async get(name) {
      const { rows } = await engine.query<{ owner: string; expires_at: string }>(c.getLock, [name])
      return rows[0] === undefined ? null : { owner: rows[0].owner, expiresAt: Number(rows[0].expires_at) }
    },
    // Trusted until the server's expiry, measured locally from when the request was sent, minus a
    // second: times are whole seconds, so the lease may have begun up to 1 s before `nowS` said.
    stillRuns: (grant, askedAtMs) => performance.now() < askedAtMs + (grant.expiresAt - grant.nowS - 1) * 1000,
  }
}

export function pgRateLimitOps(engine: PgEngine, owner: object): RateLimitOps<'async', PgTransaction> {
  const c = engine.coordination
  return {
    mode: 'async',
    async tryTake(name, limit, perS, tx) {
      return (await engine.query(c.tryRateLimit, [name, perS, limit], runnerOf(tx, owner))).rowCount === 1
    },
    async state(name, perS) {
      const { rows } = await engine.query<{ count: string; window_start: string }>(c.rateLimitState, [name, perS])
      return { count: Number(rows[0]!.count), windowStart: Number(rows[0]!.window_start) }
    },
    async sweep(olderThanS) {
      return (await engine.query(c.sweepRateLimits, [olderThanS])).rowCount ?? 0
    },
  }
}

export function pgResultOps(engine: PgEngine, owner: object): ResultOps<'async', PgTransaction> {
  const c = engine.coordination
  return {
    mode: 'async',
    maxPayloadBytes: engine.maxPayloadBytes,
    async save(jobId, valueText, ttlS, tx) {
      await engine.query(c.saveResult, [jobId, valueText, ttlS, wakeKey('r', jobId)], runnerOf(tx, owner))
    },
    async getText(jobId) {
      const { rows } = await engine.query<{ value: string }>(c.getResult, [jobId])
      return rows[0]?.value
    },
    async sweep() {
      return (await engine.query(c.sweepResults, [])).rowCount ?? 0
    },
    subscribe: (jobId) => engine.wake.subscribe([wakeKey('r', jobId)]),
  }
}
