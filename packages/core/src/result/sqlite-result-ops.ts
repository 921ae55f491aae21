import type { ResultOps } from '../engine/coordination-ops.ts'
import type { Host } from '../host.ts'
import type { Transaction } from '../transaction.ts'
import { GET_RESULT, SAVE_RESULT, SWEEP_RESULTS } from './result.sql.ts'

/** Results on SQLite; any commit wakes a waiter (the watcher cannot tell commits apart). */
export function sqliteResultOps(host: Host): ResultOps<'sync', Transaction> {
  return {
    mode: 'sync',
    get maxPayloadBytes() {
      return host.maxPayloadBytes
    },
    save(jobId, valueText, ttlS, tx) {
      const executor = host.executorFor(tx)
      const now = host.nowS()
      executor.run(SAVE_RESULT, SAVE_RESULT.bind({ job_id: jobId, value: valueText, now, expires_at: ttlS > 0 ? now + ttlS : null }))
    },
    getText(jobId) {
      host.assertOpen()
      return host.executor.get<{ value: string }>(GET_RESULT, GET_RESULT.bind({ job_id: jobId, now: host.nowS() }))?.value
    },
    sweep() {
      host.assertOpen()
      return host.executor.run(SWEEP_RESULTS, SWEEP_RESULTS.bind({ now: host.nowS() })).changes
    },
    subscribe: () => host.subscribe(),
  }
}
