import { describe, expect, it } from 'vitest'
import Sqlite from './sqlite.ts'
import { open, type Database } from '@honker/core'
import { tempDbPath, onCleanup } from './helpers.ts'

/** A database on a real file with a clock the test moves by hand (whole seconds matter here). */
function openWithClock(start = 1_800_000_000): { db: Database; clock: { t: number; now(): number }; path: string } {
  const path = tempDbPath()
  const clock = { t: start * 1000, now: () => clock.t }
  const db = open(path, { clock })
  onCleanup(() => db.close())
  return { db, clock, path }
}

function raw(path: string): Sqlite.Database {
  const handle = new Sqlite(path)
  onCleanup(() => handle.close())
  return handle
}

describe('enqueue and transactions', () => {
  it('rolls the job back with the business row, and commits both together', () => {
    const { db, path } = openWithClock()
    db.transaction((tx) => tx.run('CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER)'))
    const emails = db.queue('emails')

    expect(() =>
      db.transaction((tx) => {
        tx.run('INSERT INTO orders (user_id) VALUES (?)', [1])
        emails.enqueue({ to: 'rolled@back' }, { tx })
        throw new Error('payment declined')
      }),
    ).toThrow('payment declined')
    const other = raw(path)
    expect(other.prepare('SELECT count(*) FROM orders').pluck().get()).toBe(0)
    expect(other.prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(0)

    const id = db.transaction((tx) => {
      tx.run('INSERT INTO orders (user_id) VALUES (?)', [42])
      return emails.enqueue({ to: 'alice@example.com' }, { tx, priority: 5, delayS: 10 })
    })
    expect(other.prepare('SELECT count(*) FROM orders').pluck().get()).toBe(1)
    const row = other.prepare('SELECT * FROM _honker_live WHERE id = ?').get(id) as Record<string, unknown>
    expect(row).toMatchObject({ queue: 'emails', payload: '{"to":"alice@example.com"}', state: 'pending', priority: 5, attempts: 0, max_attempts: 3 })
    expect(row.run_at).toBe((row.created_at as number) + 10)
  })

  it('is invisible to another connection until the transaction commits', () => {
    const { db, path } = openWithClock()
    const emails = db.queue('emails')
    const other = raw(path)
    db.transaction((tx) => {
      emails.enqueue({ n: 1 }, { tx })
      expect(other.prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(0)
    })
    expect(other.prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(1)
  })

  it('stores payloads as JSON text, strings included (honker wire format)', () => {
    const { db, path } = openWithClock()
    const q = db.queue('q')
    const ids = [q.enqueue('42'), q.enqueue(42), q.enqueue(null), q.enqueue([1, { a: 'b' }])]
    const texts = raw(path).prepare('SELECT payload FROM _honker_live ORDER BY id').pluck().all()
    expect(texts).toEqual(['"42"', '42', 'null', '[1,{"a":"b"}]'])
    expect(q.claimBatch('w', 4).map((job) => job.payload)).toEqual(['42', 42, null, [1, { a: 'b' }]])
    expect(ids).toEqual([1, 2, 3, 4])
  })

  it('delay wins over runAt; runAt takes a Date or unix seconds; expiresS sets expires_at', () => {
    const { db } = openWithClock(1_000)
    const q = db.queue('q')
    const a = q.enqueue(1, { delayS: 5, runAt: 9_999 })
    const b = q.enqueue(1, { runAt: new Date(2_000_500) })
    const c = q.enqueue(1, { runAt: 3_000, expiresS: 60 })
    expect(q.getJob(a)).toMatchObject({ runAt: 1_005, expiresAt: null })
    expect(q.getJob(b)).toMatchObject({ runAt: 2_000 })
    expect(q.getJob(c)).toMatchObject({ runAt: 3_000, expiresAt: 1_060 })
  })

  it('enqueueMany inserts in one transaction and returns ids in order', () => {
    const { db } = openWithClock()
    const q = db.queue('q')
    const ids = q.enqueueMany([{ n: 1 }, { n: 2 }, { n: 3 }])
    expect(ids).toEqual([1, 2, 3])
    expect(() => q.enqueueMany([{ n: 4 }, 10n as unknown as object])).toThrow()
    expect(q.counts().pending).toBe(3)
  })

  it('never reuses ids, even after every job is gone (AUTOINCREMENT)', () => {
    const { db } = openWithClock()
    const q = db.queue('q')
    const first = q.enqueue(1)
    q.claimOne('w')!.ack()
    expect(q.enqueue(2)).toBe(first + 1)
  })

  it('refuses an async transaction callback and rolls it back', () => {
    const { db, path } = openWithClock()
    const q = db.queue('q')
    let caught: unknown
    try {
      db.transaction((tx) => {
        q.enqueue(1, { tx })
        return Promise.resolve()
      })
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'async_transaction' })
    expect(raw(path).prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(0)
  })

  it('rejects a tx after its transaction ended, or from another database', () => {
    const { db } = openWithClock()
    const { db: second } = openWithClock()
    const q = db.queue('q')
    let leaked: unknown
    db.transaction((tx) => {
      leaked = tx
    })
    expect(() => q.enqueue(1, { tx: leaked as never })).toThrow(expect.objectContaining({ code: 'transaction_closed' }))
    second.transaction((tx) => {
      expect(() => q.enqueue(1, { tx })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    })
    expect(q.counts().pending).toBe(0)
  })

  it('nests transactions as savepoints', () => {
    const { db } = openWithClock()
    const q = db.queue('q')
    db.transaction((tx) => {
      q.enqueue('outer', { tx })
      expect(() =>
        db.transaction((inner) => {
          q.enqueue('inner', { tx: inner })
          throw new Error('inner fails')
        }),
      ).toThrow('inner fails')
    })
    expect(q.claimBatch('w', 10).map((job) => job.payload)).toEqual(['outer'])
  })
})

describe('claim', () => {
  it('claims by priority DESC, run_at, id and counts the attempt', () => {
    const { db, clock } = openWithClock(1_000)
    const q = db.queue('q', { visibilityTimeoutS: 30 })
    const low = q.enqueue('low', { priority: 0 })
    const later = q.enqueue('later', { priority: 9, runAt: 999 })
    const early = q.enqueue('early', { priority: 9, runAt: 990 })
    const sameRunAt = q.enqueue('same', { priority: 9, runAt: 990 })
    const delayed = q.enqueue('delayed', { priority: 100, delayS: 60 })
    const jobs = q.claimBatch('w1', 10)
    expect(jobs.map((job) => job.id)).toEqual([early, sameRunAt, later, low])
    for (const job of jobs) {
      expect(job).toMatchObject({ attempts: 1, workerId: 'w1', claimExpiresAt: 1_030 })
    }
    expect(q.claimOne('w2')).toBeNull()
    clock.t += 60_000
    expect(q.claimOne('w2')?.id).toBe(delayed)
  })

  it('keeps queues apart', () => {
    const { db } = openWithClock()
    db.queue('a').enqueue('for a')
    expect(db.queue('b').claimOne('w')).toBeNull()
    expect(db.queue('a').claimOne('w')?.payload).toBe('for a')
  })

  it('owns a claim while claim_expires_at >= now and reclaims it when < now', () => {
    const { db, clock } = openWithClock(1_000)
    const q = db.queue('q', { visibilityTimeoutS: 10 })
    q.enqueue('x')
    const first = q.claimOne('w1')!
    clock.t = 1_010_999 // still second 1010 = claim_expires_at: owned
    expect(q.claimOne('w2')).toBeNull()
    expect(first.heartbeat(10)).toBe(true)
    expect(first.claimExpiresAt).toBe(1_020)
    clock.t = 1_021_000
    const second = q.claimOne('w2')!
    expect(second).toMatchObject({ id: first.id, attempts: 2, workerId: 'w2' })
    // The first worker's late calls change nothing (pitfall 8.3.4: a late heartbeat must not steal it back).
    expect(first.heartbeat()).toBe(false)
    expect(first.ack()).toBe(false)
    expect(first.retry()).toBe(false)
    expect(first.fail('late')).toBe(false)
    expect(second.ack()).toBe(true)
  })

  it('dead-letters exhausted claimable jobs before claiming (a worker that keeps crashing)', () => {
    const { db, clock } = openWithClock(1_000)
    const q = db.queue('q', { visibilityTimeoutS: 5, maxAttempts: 2 })
    const id = q.enqueue('poison')
    q.enqueue('healthy', { priority: -1 })
    expect(q.claimOne('w')!.id).toBe(id) // attempt 1, then the worker "crashes"
    clock.t += 6_000
    expect(q.claimOne('w')!.id).toBe(id) // attempt 2 (the last), crashes again
    clock.t += 6_000
    expect(q.claimOne('w')!.payload).toBe('healthy')
    expect(q.getJob(id)).toMatchObject({ state: 'dead', attempts: 2, maxAttempts: 2, lastError: 'max attempts exceeded' })
  })

  it('does not dead-letter an exhausted job whose last claim is still owned', () => {
    const { db } = openWithClock(1_000)
    const q = db.queue('q', { maxAttempts: 1 })
    const job = q.enqueue('x')
    const claimed = q.claimOne('w')!
    expect(q.claimOne('w2')).toBeNull()
    expect(q.getJob(job)?.state).toBe('processing')
    expect(claimed.ack()).toBe(true)
  })
})

describe('ack, retry, fail, release, cancel', () => {
  it('ack deletes the job and leaves no trace; ackBatch counts owned jobs only', () => {
    const { db } = openWithClock()
    const q = db.queue('q')
    q.enqueueMany([1, 2, 3])
    const [a, b, c] = q.claimBatch('w', 3)
    expect(a!.ack()).toBe(true)
    expect(q.getJob(a!.id)).toBeNull()
    expect(q.ackBatch([a!, b!, c!.id], 'w')).toBe(2)
    expect(q.ackBatch([], 'w')).toBe(0)
    expect(q.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
  })

  it('retry puts the job back after the delay, then dead-letters it with the caller error on the last attempt', () => {
    const { db, clock } = openWithClock(1_000)
    const q = db.queue('q', { maxAttempts: 2 })
    const id = q.enqueue('x')
    expect(q.claimOne('w')!.retry({ delayS: 30, error: 'smtp down' })).toBe(true)
    expect(q.getJob(id)).toMatchObject({ state: 'pending', runAt: 1_030, attempts: 1, workerId: null, claimExpiresAt: null })
    expect(q.claimOne('w')).toBeNull()
    expect(q.nextClaimAt()).toBe(1_030)
    clock.t = 1_030_000
    const last = q.claimOne('w')!
    expect(last.isLastAttempt).toBe(true)
    expect(last.retry({ delayS: 30, error: new TypeError('still down') })).toBe(true)
    expect(q.getJob(id)).toMatchObject({ state: 'dead', attempts: 2, lastError: 'TypeError: still down', diedAt: 1_030 })
  })

  it('fail dead-letters whatever attempts remain, keeping the id and created_at', () => {
    const { db, path } = openWithClock(1_000)
    const q = db.queue('q', { maxAttempts: 5 })
    const id = q.enqueue({ a: 1 }, { priority: 3 })
    expect(q.claimOne('w')!.fail('bad address')).toBe(true)
    const dead = raw(path).prepare('SELECT * FROM _honker_dead WHERE id = ?').get(id)
    expect(dead).toEqual({
      id, queue: 'q', payload: '{"a":1}', priority: 3, run_at: 1_000, attempts: 1, max_attempts: 5,
      last_error: 'bad address', created_at: 1_000, died_at: 1_000,
    })
  })

  it('release hands the job back without counting the attempt', () => {
    const { db } = openWithClock()
    const q = db.queue('q')
    const id = q.enqueue('x')
    expect(q.claimOne('w')!.release()).toBe(true)
    expect(q.getJob(id)).toMatchObject({ state: 'pending', attempts: 0, workerId: null })
  })

  it('cancel deletes a pending or running job; the holder then gets false', () => {
    const { db } = openWithClock()
    const q = db.queue('q')
    const pending = q.enqueue('p')
    const running = q.enqueue('r', { priority: 1 })
    const job = q.claimOne('w')!
    expect(job.id).toBe(running)
    expect(q.cancel(pending)).toBe(true)
    expect(q.cancel(running)).toBe(true)
    expect(q.cancel(running)).toBe(false)
    expect(job.ack()).toBe(false)
    expect(q.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
  })
})

describe('expiry and deadlines', () => {
  it('does not claim expired jobs; sweepExpired moves them to dead as expired', () => {
    const { db, clock } = openWithClock(1_000)
    const q = db.queue('q')
    const id = q.enqueue('x', { expiresS: 10 })
    clock.t = 1_010_000
    expect(q.claimOne('w')).toBeNull()
    expect(q.sweepExpired()).toBe(1)
    expect(q.sweepExpired()).toBe(0)
    expect(q.getJob(id)).toMatchObject({ state: 'dead', lastError: 'expired' })
  })

  it('sweeps a processing job whose claim lapsed after it expired (honker leaves it forever)', () => {
    const { db, clock, path } = openWithClock(1_000)
    const q = db.queue('q', { visibilityTimeoutS: 5 })
    const id = q.enqueue('x', { expiresS: 3 })
    q.claimOne('w') // the worker dies holding it
    clock.t = 1_004_000 // expired, but the claim is still owned: not swept yet
    expect(q.sweepExpired()).toBe(0)
    clock.t = 1_006_000
    expect(q.claimOne('w2')).toBeNull()
    expect(q.sweepExpired()).toBe(1)
    expect(raw(path).prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(0)
    expect(q.getJob(id)).toMatchObject({ state: 'dead', lastError: 'expired' })
  })

  it('nextClaimAt is the next delayed job or one second after the earliest claim expiry', () => {
    const { db, clock } = openWithClock(1_000)
    const q = db.queue('q', { visibilityTimeoutS: 20 })
    expect(q.nextClaimAt()).toBeNull()
    q.enqueue('now')
    q.enqueue('later', { delayS: 50 })
    expect(q.nextClaimAt()).toBe(1_050)
    q.claimOne('w')
    expect(q.nextClaimAt()).toBe(1_021)
    clock.t = 1_020_000 // a claim expiring exactly now is still owned: reclaimable at +1
    expect(q.nextClaimAt()).toBe(1_021)
  })
})

describe('counts, listJobs and releaseClaims (operator views)', () => {
  it('counts() names due jobs `pending`, like honker status; `ready` is a deprecated, non-enumerable alias', () => {
    const { db } = openWithClock(1_000)
    const q = db.queue('q')
    q.enqueueMany(['a', 'b'])
    q.enqueue('later', { delayS: 60 })
    const counts = q.counts()
    expect(counts).toEqual({ pending: 2, delayed: 1, processing: 0, dead: 0 })
    expect(counts.ready).toBe(2)
    expect(JSON.parse(JSON.stringify(counts))).toEqual({ pending: 2, delayed: 1, processing: 0, dead: 0 })
  })

  it('listJobs pages live jobs of a queue (or of every queue) by state', () => {
    const { db, clock } = openWithClock(1_000)
    const emails = db.queue('emails', { visibilityTimeoutS: 30 })
    const [due, claimed] = emails.enqueueMany(['due', 'claimed'])
    const delayed = emails.enqueue('delayed', { delayS: 60 })
    const other = db.queue('other').enqueue('o')
    clock.t = 1_001_000
    expect(emails.claimBatch('w1', 1)[0]!.id).toBe(due)
    expect(emails.listJobs().map((job) => job.id)).toEqual([due, claimed, delayed])
    expect(emails.listJobs({ state: 'processing' })).toEqual([
      expect.objectContaining({ id: due, state: 'processing', workerId: 'w1', attempts: 1, claimExpiresAt: 1_031 }),
    ])
    expect(emails.listJobs({ state: 'pending' }).map((job) => job.id)).toEqual([claimed])
    expect(emails.listJobs({ state: 'delayed' }).map((job) => job.id)).toEqual([delayed])
    expect(db.listJobs().map((job) => job.id)).toEqual([due, claimed, delayed, other])
    expect(db.listJobs({ queue: 'other' }).map((job) => job.id)).toEqual([other])
    expect(db.listJobs({ limit: 2, afterId: due }).map((job) => job.id)).toEqual([claimed, delayed])
    expect(() => emails.listJobs({ state: 'dead' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })

  it('releaseClaims hands back lapsed claims of any worker, and live ones only with force, giving the attempt back', () => {
    const { db, clock } = openWithClock(1_000)
    const q = db.queue('q', { visibilityTimeoutS: 10 })
    const [a, b, c] = q.enqueueMany(['a', 'b', 'c']) as [number, number, number]
    const jobA = q.claimOne('crashed')!
    clock.t = 1_005_000
    const jobB = q.claimOne('crashed')!
    const jobC = q.claimOne('alive')!
    expect([jobA.id, jobB.id, jobC.id]).toEqual([a, b, c])
    clock.t = 1_011_000 // a's claim (until 1_010) lapsed; b's and c's (until 1_015) are live
    expect(q.releaseClaims({ workerId: 'crashed' })).toEqual({ released: [a], live: [expect.objectContaining({ id: b, workerId: 'crashed' })] })
    expect(q.getJob(a)).toMatchObject({ state: 'pending', attempts: 0, workerId: null, claimExpiresAt: null })
    expect(q.getJob(b)).toMatchObject({ state: 'processing', attempts: 1, workerId: 'crashed' })
    expect(q.releaseClaims({ ids: [b, c, 999], force: true })).toEqual({ released: [b, c], live: [] })
    expect(q.counts()).toEqual({ pending: 3, delayed: 0, processing: 0, dead: 0 })
    // The holder lost the job: its ack reports it.
    expect(jobC.ack()).toBe(false)
    expect(q.claimOne('next')!.attempts).toBe(1)
    expect(q.releaseClaims({ ids: [] })).toEqual({ released: [], live: [] })
    expect(db.queue('elsewhere').releaseClaims({ force: true })).toEqual({ released: [], live: [] })
    expect(() => q.releaseClaims({ ids: [0] })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })
})
