import { describe, expect, it } from 'vitest'
import Sqlite from './sqlite.ts'
import { open, type Database } from '@honker/core'
import { onCleanup, tempDbPath } from './helpers.ts'

function setup(start = 1_800_000_000): { db: Database; clock: { t: number; now(): number }; path: string } {
  const path = tempDbPath()
  const clock = { t: start * 1000, now: () => clock.t }
  const db = open(path, { clock })
  onCleanup(() => db.close())
  return { db, clock, path }
}

/** Enqueue `payloads` and fail each one, so they land in `_honker_dead`. */
function killAll(db: Database, queue: string, payloads: unknown[]): number[] {
  const q = db.queue(queue)
  const ids = q.enqueueMany(payloads, { priority: 3, maxAttempts: 5 })
  for (const job of q.claimBatch('w', payloads.length)) expect(job.fail(new Error(`boom ${job.id}`))).toBe(true)
  return ids
}

describe('dead letters', () => {
  it('lists a queue\'s dead jobs in id order, page by page, with their last error', () => {
    const { db } = setup()
    const ids = killAll(db, 'emails', [{ n: 1 }, { n: 2 }, { n: 3 }])
    killAll(db, 'other', [{ n: 9 }])
    const dead = db.queue('emails').dead
    expect(dead.count()).toBe(3)
    const first = dead.list({ limit: 2 })
    expect(first.map((job) => job.id)).toEqual(ids.slice(0, 2))
    expect(first[0]).toMatchObject({ queue: 'emails', state: 'dead', payloadText: '{"n":1}', attempts: 1, maxAttempts: 5, lastError: `boom ${ids[0]}` })
    expect(dead.list({ afterId: first[1]!.id }).map((job) => job.id)).toEqual([ids[2]])
  })

  it('retry puts jobs back as pending under the same id, due now, attempts reset, in one transaction', () => {
    const { db, clock, path } = setup()
    const [a, b, c] = killAll(db, 'emails', [{ n: 1 }, { n: 2 }, { n: 3 }])
    clock.t += 100_000
    const emails = db.queue('emails')
    expect(emails.dead.retry([c!, a!, 999_999])).toEqual([a, c])
    const raw = new Sqlite(path, { readonly: true })
    onCleanup(() => raw.close())
    const live = raw.prepare('SELECT * FROM _honker_live ORDER BY id').all() as Record<string, unknown>[]
    expect(live).toHaveLength(2)
    expect(live[0]).toMatchObject({ id: a, queue: 'emails', state: 'pending', attempts: 0, max_attempts: 5, priority: 3, run_at: 1_800_000_100, payload: '{"n":1}', worker_id: null, expires_at: null })
    expect(live[0]!.created_at).toBe(1_800_000_000)
    expect(raw.prepare('SELECT id FROM _honker_dead ORDER BY id').pluck().all()).toEqual([b])
    const job = emails.claimOne('w2')!
    expect(job.id).toBe(a)
    expect(job.attempts).toBe(1)
    expect(job.ack()).toBe(true)
  })

  it('retry skips ids of another queue and ids that are live already', () => {
    const { db, path } = setup()
    const [mine] = killAll(db, 'emails', [{ n: 1 }])
    const [theirs] = killAll(db, 'other', [{ n: 2 }])
    // A live row with the dead row's id can only be written by hand; the redrive must not fail on it.
    const raw = new Sqlite(path)
    onCleanup(() => raw.close())
    raw.prepare(`INSERT INTO _honker_live (id, queue, payload) VALUES (?, 'emails', '1')`).run(mine)
    expect(db.queue('emails').dead.retry([mine!, theirs!])).toEqual([])
    expect(raw.prepare('SELECT id FROM _honker_dead ORDER BY id').pluck().all()).toEqual([mine, theirs])
  })

  it('retryAll and deleteAll act on one queue only', () => {
    const { db, path } = setup()
    const ids = killAll(db, 'emails', [1, 2, 3])
    const [other] = killAll(db, 'other', [4])
    expect(db.queue('emails').dead.retryAll()).toEqual(ids)
    const raw = new Sqlite(path, { readonly: true })
    onCleanup(() => raw.close())
    expect(raw.prepare('SELECT id FROM _honker_live ORDER BY id').pluck().all()).toEqual(ids)
    expect(raw.prepare('SELECT id FROM _honker_dead').pluck().all()).toEqual([other])
    expect(db.queue('emails').dead.deleteAll()).toEqual([])
    expect(db.queue('other').dead.deleteAll()).toEqual([other])
    expect(raw.prepare('SELECT count(*) FROM _honker_dead').pluck().get()).toBe(0)
  })

  it('delete removes only the given dead jobs of the queue', () => {
    const { db } = setup()
    const [a, b] = killAll(db, 'emails', [1, 2])
    const [other] = killAll(db, 'other', [3])
    expect(db.queue('emails').dead.delete([b!, other!])).toEqual([b])
    expect(db.queue('emails').dead.list().map((job) => job.id)).toEqual([a])
    expect(db.queue('other').dead.count()).toBe(1)
  })

  it('rejects ids that are not whole numbers, writing nothing', () => {
    const { db } = setup()
    killAll(db, 'emails', [1])
    const dead = db.queue('emails').dead
    expect(() => dead.retry([1.5])).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => dead.delete('1' as unknown as number[])).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => dead.list({ limit: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(dead.retry([])).toEqual([])
    expect(dead.count()).toBe(1)
  })
})
