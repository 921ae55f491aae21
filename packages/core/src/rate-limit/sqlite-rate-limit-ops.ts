import type { RateLimitOps } from '../engine/coordination-ops.ts'
import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import type { Transaction } from '../transaction.ts'
import { RATE_LIMIT_COUNT, SWEEP_RATE_LIMITS, TRY_RATE_LIMIT } from './rate-limit.sql.ts'

/** Rate limits on SQLite; windows computed here from one reading of the app's clock. */
export function sqliteRateLimitOps(host: Host): RateLimitOps<'sync', Transaction> {
  /** honker's `(now / per) * per` with integer division. */
  const windowStart = (perS: number) => Math.floor(host.nowS() / perS) * perS
  return {
    mode: 'sync',
    tryTake(name, limit, perS, tx) {
      const executor = host.executorFor(tx)
      return executor.run(TRY_RATE_LIMIT, TRY_RATE_LIMIT.bind({ name, window_start: windowStart(perS), limit })).changes === 1
    },
    state(name, perS) {
      host.assertOpen()
      const start = windowStart(perS)
      const row = host.executor.get<{ count: number | bigint }>(RATE_LIMIT_COUNT, RATE_LIMIT_COUNT.bind({ name, window_start: start }))
      return { count: row === undefined ? 0 : toNumber(row.count), windowStart: start }
    },
    sweep(olderThanS) {
      host.assertOpen()
      return host.executor.run(SWEEP_RATE_LIMITS, SWEEP_RATE_LIMITS.bind({ cutoff: host.nowS() - olderThanS })).changes
    },
  }
}
