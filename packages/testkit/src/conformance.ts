import Sqlite from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AdapterHarness, HarnessSession } from './harness.ts'
import { spawnWorker, tempDatabase, type WorkerProcess } from './helpers.ts'

/** Continue after `value` now if it is plain, or once it settles if it is a promise (sync ORMs stay sync). */
function chain<A, B>(value: A | Promise<A>, next: (value: A) => B): B | Promise<B> {
  if (value !== null && typeof value === 'object' && typeof (value as Promise<A>).then === 'function') {
    return (value as Promise<A>).then(next)
  }
  return next(value as A)
}

class Rollback extends Error {}

/** Read the file through a separate, plain connection: what other processes see. */
function outside<T>(file: string, fn: (db: Sqlite.Database) => T): T {
  const db = new Sqlite(file, { readonly: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

const countInFile = (file: string, sql: string): number => outside(file, (db) => db.prepare(sql).pluck().get() as number)

/**
 * The behaviour every integration must share. One suite, run against the standalone core API and
 * every ORM adapter, so an adapter cannot drift.
 */
export function defineConformanceSuite(harness: AdapterHarness): void {
  describe(`${harness.name}: conformance`, () => {
    let file: string
    let remove: () => void
    let session: HarnessSession

    /** What other connections see: the harness's own count, else a plain SQLite read of the file. */
    // Plain on SQLite (a sync ORM's transaction callback must not return a promise).
    const count = (_file: string, sql: string): number | Promise<number> =>
      session.count !== undefined ? session.count(sql) : countInFile(file, sql)
    const workerFor = (queue: string): WorkerProcess => session.spawnWorker?.(queue) ?? spawnWorker(file, queue)

    beforeEach(async () => {
      ;({ file, remove } = tempDatabase())
      session = await harness.open(file)
    })
    afterEach(async () => {
      await session.close()
      remove()
    })

    describe('enqueue', () => {
      it('commits with the transaction, returning the id as a number', async () => {
        const id = await session.transaction((tx) =>
          chain(session.insertOrder(tx, 'paid'), () => session.enqueue(tx, 'emails', { to: 'a@example.com' }, { priority: 5, maxAttempts: 4 })),
        )
        expect(typeof id).toBe('number')
        expect(await count(file, `SELECT count(*) FROM orders WHERE note = 'paid'`)).toBe(1)
        expect(await session.honker.queue('emails').getJob(id)).toMatchObject({
          state: 'pending', priority: 5, maxAttempts: 4, payloadText: '{"to":"a@example.com"}',
        })
      })

      it('rolls back with the transaction, business row and job alike', async () => {
        await expect(
          session.transaction((tx) =>
            chain(session.insertOrder(tx, 'declined'), () =>
              chain(session.enqueue(tx, 'emails', { to: 'b@example.com' }), () => {
                throw new Rollback('card declined')
              }),
            ),
          ),
        ).rejects.toThrow('card declined')
        expect(await count(file, 'SELECT count(*) FROM orders')).toBe(0)
        expect(await count(file, 'SELECT count(*) FROM _honker_live')).toBe(0)
      })

      it('takes a unique key and a group in the transaction: a duplicate creates nothing', async () => {
        const first = (await session.transaction((tx) => session.enqueue(tx, 'emails', 1, { uniqueKey: 'order-1', group: 'tenant-1' }))) as { id: number; created: boolean }
        expect(first).toEqual({ id: expect.any(Number), created: true })
        const again = await session.transaction((tx) => session.enqueue(tx, 'emails', 2, { uniqueKey: 'order-1' }))
        expect(again).toEqual({ id: first.id, created: false })
        expect(await count(file, 'SELECT count(*) FROM _honker_live')).toBe(1)
        expect(await count(file, `SELECT count(*) FROM _honker_live WHERE group_key = 'tenant-1' AND unique_key = 'order-1'`)).toBe(1)
        await expect(session.transaction((tx) => session.enqueue(tx, 'emails', 3, { uniqueKey: '' }))).rejects.toMatchObject({ code: 'invalid_argument' })
      })

      it('is invisible to other connections until commit', async () => {
        const seenInside = await session.transaction((tx) =>
          chain(session.enqueue(tx, 'emails', { n: 1 }), () => count(file, 'SELECT count(*) FROM _honker_live')),
        )
        expect(seenInside).toBe(0)
        expect(await count(file, 'SELECT count(*) FROM _honker_live')).toBe(1)
      })

      it('honours delays, and is claimed and acked through core', async () => {
        const [now, later] = await session.transaction((tx) =>
          chain(session.enqueue(tx, 'emails', 'now'), (a) => chain(session.enqueue(tx, 'emails', 'later', { delayS: 3600 }), (b) => [a, b] as const)),
        )
        const emails = session.honker.queue('emails')
        const job = await emails.claimOne('conformance')
        expect(job?.id).toBe(now)
        expect(job?.payload).toBe('now')
        expect(await job?.ack()).toBe(true)
        expect((await emails.getJob(later))?.state).toBe('pending')
      })

      it('rejects a payload JSON cannot carry, writing nothing', async () => {
        await expect(session.transaction((tx) => session.enqueue(tx, 'emails', 10n))).rejects.toMatchObject({
          code: 'invalid_payload',
        })
        expect(await count(file, 'SELECT count(*) FROM _honker_live')).toBe(0)
      })

      it('wakes a worker in another process on commit (no fallback poll)', async () => {
        const worker = workerFor('emails')
        try {
          await worker.ready
          const id = await session.transaction((tx) =>
            chain(session.insertOrder(tx, 'woken'), () => session.enqueue(tx, 'emails', { wake: true })),
          )
          expect(await worker.handled(id as number)).toMatchObject({ id, payload: { wake: true } })
        } finally {
          expect(await worker.stop()).toBe(0)
        }
      })
    })

    describe('notify', () => {
      it('delivers committed notifications to a listener and drops rolled-back ones', async () => {
        const listener = await session.honker.listen('orders')
        await expect(
          session.transaction((tx) =>
            chain(session.notify(tx, 'orders', { n: 'rolled back' }), () => {
              throw new Rollback('no')
            }),
          ),
        ).rejects.toThrow('no')
        const id = await session.transaction((tx) => session.notify(tx, 'orders', { n: 'committed' }))
        expect(typeof id).toBe('number')
        const first = await listener.next()
        expect(first.value).toMatchObject({ id, channel: 'orders', payload: { n: 'committed' } })
        listener.close()
        expect(await count(file, 'SELECT count(*) FROM _honker_notifications')).toBe(1)
      })
    })

    describe('streams', () => {
      it('appends committed events with their key and drops rolled-back ones', async () => {
        await expect(
          session.transaction((tx) =>
            chain(session.publish(tx, 'orders', { n: 1 }), () => {
              throw new Rollback('no')
            }),
          ),
        ).rejects.toThrow('no')
        const offset = await session.transaction((tx) =>
          chain(session.insertOrder(tx, 'published'), () => session.publish(tx, 'orders', { n: 2 }, 'order-2')),
        )
        expect(typeof offset).toBe('number')
        const events = await session.honker.stream('orders').readSince(0, 10)
        expect(events).toHaveLength(1)
        expect(events[0]).toMatchObject({ offset, key: 'order-2', payload: { n: 2 } })
      })
    })
  })
}
