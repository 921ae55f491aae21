import type { LockOps } from '../engine/coordination-ops.ts'
import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import type { Transaction } from '../transaction.ts'
import { DELETE_EXPIRED_LOCK, GET_LOCK, INSERT_LOCK, RELEASE_LOCK, RENEW_LOCK } from './lock.sql.ts'

/** Locks on SQLite: short write transactions on Honker's connection, times on the app's clock. */
export function sqliteLockOps(host: Host): LockOps<'sync', Transaction> {
  const holderOf = (name: string) => {
    const row = host.executor.get<{ owner: string; expires_at: number | bigint }>(GET_LOCK, GET_LOCK.bind({ name }))
    return row === undefined ? null : { owner: row.owner, expiresAt: toNumber(row.expires_at) }
  }
  return {
    mode: 'sync',
    acquire(name, owner, ttlS) {
      return host.write(() => {
        const { executor } = host
        const nowS = host.nowS()
        executor.run(DELETE_EXPIRED_LOCK, DELETE_EXPIRED_LOCK.bind({ name, now: nowS }))
        executor.run(INSERT_LOCK, INSERT_LOCK.bind({ name, owner, expires_at: nowS + ttlS }))
        return { holder: holderOf(name), nowS }
      })
    },
    renew(name, owner, ttlS, tx) {
      const executor = host.executorFor(tx)
      const renew = () => {
        const nowS = host.nowS()
        const expiresAt = nowS + ttlS
        const { changes } = executor.run(RENEW_LOCK, RENEW_LOCK.bind({ name, owner, expires_at: expiresAt }))
        // An identical rewrite (same second) reports a change too; only a missing row reports none.
        return changes === 1 ? { expiresAt, nowS } : null
      }
      return tx === undefined ? host.write(renew) : renew()
    },
    release(name, owner) {
      return host.write(() => host.executor.run(RELEASE_LOCK, RELEASE_LOCK.bind({ name, owner }))).changes === 1
    },
    get(name) {
      host.assertOpen()
      return holderOf(name)
    },
    // Reading the app's clock is free, and tests move it by hand: judge on it.
    stillRuns: (grant) => host.nowS() < grant.expiresAt,
  }
}
