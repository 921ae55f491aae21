import Sqlite from './sqlite.ts'
import { afterAll, describe, expect, it } from 'vitest'
import { nextAfter, open, type Database } from '../src/index.ts'
import { nativeSkipReason, nativeSql } from './native.ts'
import { onCleanup, tempDbPath } from './helpers.ts'

// Locks, scheduler rows and cron evaluation shared with the published honker 0.5.1 binding, which
// runs in a child process (test/native.ts). Children inherit process.env, TZ included, so both
// sides evaluate cron in the same zone.

const originalTz = process.env.TZ
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ
  else process.env.TZ = originalTz
})

const at = (iso: string): number => Date.parse(iso) / 1000

function setup(): { db: Database; file: string; raw: Sqlite.Database } {
  const file = tempDbPath()
  const db = open(file)
  const raw = new Sqlite(file)
  onCleanup(() => {
    db.close()
    raw.close()
  })
  return { db, file, raw }
}

async function one(file: string, sql: string, params: unknown[] = []): Promise<unknown> {
  const [rows] = await nativeSql(file, [{ sql: `SELECT ${sql} AS v`, params }])
  return rows![0]!.v
}

describe.skipIf(nativeSkipReason !== null)('locks shared with honker', () => {
  it('a lease taken by honker is held for our Lock, and ours is held for honker', async () => {
    const { db, file } = setup()
    expect(await one(file, 'honker_lock_acquire(?, ?, ?)', ['by-honker', 'py-worker', 60])).toBe(1)
    const ours = db.lock('by-honker', { ttlS: 60, owner: 'ts-worker' })
    expect(ours.acquire()).toBe(false)
    expect(ours.renew()).toBe(false)
    expect(ours.release()).toBe(false)

    const mine = db.lock('by-us', { ttlS: 60, owner: 'ts-worker' })
    expect(mine.acquire()).toBe(true)
    const [acquire, renew, release] = await nativeSql(file, [
      { sql: 'SELECT honker_lock_acquire(?, ?, ?) AS v', params: ['by-us', 'py-worker', 60] },
      { sql: 'SELECT honker_lock_renew(?, ?, ?) AS v', params: ['by-us', 'py-worker', 600] },
      { sql: 'SELECT honker_lock_release(?, ?) AS v', params: ['by-us', 'py-worker'] },
    ])
    expect([acquire![0]!.v, renew![0]!.v, release![0]!.v]).toEqual([0, 0, 0])
    expect(mine.renew()).toBe(true)
    expect(mine.release()).toBe(true)
    expect(await one(file, 'honker_lock_acquire(?, ?, ?)', ['by-us', 'py-worker', 60])).toBe(1)
  })

  it('agrees on expiry (expires_at <= now is free) and on renewal by the same owner name', async () => {
    const { db, file, raw } = setup()
    // honker does not validate the TTL: a negative one writes a lease that is already over.
    expect(await one(file, 'honker_lock_acquire(?, ?, ?)', ['lapsed', 'py-worker', -1])).toBe(1)
    expect(db.lock('lapsed', { ttlS: 60, owner: 'ts-worker' }).acquire()).toBe(true)
    // The owner string is the identity across bindings: honker renews our lease when it names our owner.
    expect(await one(file, 'honker_lock_renew(?, ?, ?)', ['lapsed', 'ts-worker', 900])).toBe(1)
    const { expires_at } = raw.prepare(`SELECT expires_at FROM _honker_locks WHERE name = 'lapsed'`).get() as { expires_at: number }
    expect(expires_at).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 899)
  })
})

describe.skipIf(nativeSkipReason !== null)('scheduler tasks shared with honker', () => {
  it('lists and fires a task honker registered, with its settings', async () => {
    const { db, file, raw } = setup()
    await nativeSql(file, [
      { sql: 'SELECT honker_scheduler_register(?, ?, ?, ?, ?, ?, ?)', params: ['py-task', 'pyq', '@every 1s', '{"a": 1}', 5, 30, 4] },
      { sql: 'SELECT honker_scheduler_register(?, ?, ?, ?, ?, ?)', params: ['py-six', 'pyq', '0 3 * * *', 'null', 0, null] },
    ])
    const scheduler = db.scheduler()
    const [six, task] = scheduler.list()
    expect(task).toMatchObject({ name: 'py-task', queue: 'pyq', schedule: '@every 1s', payload: { a: 1 }, payloadText: '{"a": 1}', priority: 5, expiresS: 30, enabled: true, maxAttempts: 4 })
    expect(six).toMatchObject({ name: 'py-six', schedule: '0 3 * * *', payload: null, expiresS: null, maxAttempts: 3 })
    const next = task!.nextFireAt
    const fired = scheduler.tick(next + 1)
    expect(fired.map((job) => [job.name, job.fireAt])).toEqual([
      ['py-task', next],
      ['py-task', next + 1],
    ])
    const jobs = raw.prepare(`SELECT payload, priority, max_attempts, expires_at - created_at AS ttl FROM _honker_live ORDER BY id`).all()
    expect(jobs).toEqual([
      { payload: '{"a": 1}', priority: 5, max_attempts: 4, ttl: 30 },
      { payload: '{"a": 1}', priority: 5, max_attempts: 4, ttl: 30 },
    ])
    // Re-registering honker's definition from our side keeps its boundary.
    expect(scheduler.add({ name: 'py-task', queue: 'pyq', schedule: '@every 1s', payload: { a: 1 }, priority: 5, expiresS: 30, maxAttempts: 4 })).toBe(false)
    expect(scheduler.get('py-task')!.nextFireAt).toBe(next + 2)
  })

  it('honker lists and ticks a task we registered, and sees our pause', async () => {
    const { db, file } = setup()
    const scheduler = db.scheduler()
    scheduler.add({ name: 'ts-task', queue: 'tsq', schedule: '@every 1s', payload: { from: 'ts' }, priority: 2, expiresS: 45, maxAttempts: 6 })
    scheduler.add({ name: 'ts-paused', queue: 'tsq', schedule: '@every 1s' })
    scheduler.pause('ts-paused')
    const next = scheduler.get('ts-task')!.nextFireAt
    const [listRows, soonestRows, tickRows] = await nativeSql(file, [
      { sql: 'SELECT honker_scheduler_list() AS v' },
      { sql: 'SELECT honker_scheduler_soonest() AS v' },
      { sql: 'SELECT honker_scheduler_tick(?) AS v', params: [next + 2] },
    ])
    expect(JSON.parse(listRows![0]!.v as string)).toEqual([
      { name: 'ts-paused', queue: 'tsq', cron_expr: '@every 1s', payload: 'null', priority: 0, expires_s: null, next_fire_at: expect.any(Number), enabled: false, max_attempts: 3 },
      { name: 'ts-task', queue: 'tsq', cron_expr: '@every 1s', payload: '{"from":"ts"}', priority: 2, expires_s: 45, next_fire_at: next, enabled: true, max_attempts: 6 },
    ])
    expect(soonestRows![0]!.v).toBe(next)
    const fired = JSON.parse(tickRows![0]!.v as string) as { name: string; fire_at: number; job_id: number }[]
    expect(fired.map((job) => [job.name, job.fire_at])).toEqual([
      ['ts-task', next],
      ['ts-task', next + 1],
      ['ts-task', next + 2],
    ])
    expect(scheduler.get('ts-task')!.nextFireAt).toBe(next + 3)
    expect(scheduler.tick(next + 2)).toEqual([]) // already fired by honker: not again
    const job = db.queue('tsq').getJob(fired[0]!.job_id)
    expect(job).toMatchObject({ payloadText: '{"from":"ts"}', priority: 2, maxAttempts: 6 })
  })

  it('applies the same 64-per-task catch-up cap as honker', async () => {
    const { db, file } = setup()
    const scheduler = db.scheduler()
    scheduler.add({ name: 'ours', queue: 'a', schedule: '@every 1s' })
    const next = scheduler.get('ours')!.nextFireAt
    const [tickRows, afterRows] = await nativeSql(file, [
      { sql: 'SELECT honker_scheduler_tick(?) AS v', params: [next + 999] },
      { sql: `SELECT next_fire_at AS v FROM _honker_scheduler_tasks WHERE name = 'ours'` },
    ])
    const fired = JSON.parse(tickRows![0]!.v as string) as unknown[]
    expect(fired).toHaveLength(64)
    expect(afterRows![0]!.v).toBe(next + 1000)

    scheduler.add({ name: 'ours-2', queue: 'b', schedule: '@every 1s' })
    const next2 = scheduler.get('ours-2')!.nextFireAt
    expect(scheduler.tick(next2 + 999).filter((job) => job.name === 'ours-2')).toHaveLength(64)
    expect(scheduler.get('ours-2')!.nextFireAt).toBe(next2 + 1000)
  })
})

const EXPRESSIONS = [
  '* * * * *',
  '* * * * * *',
  '*/7 * * * * *',
  '0 * * * *',
  '30 2 * * *',
  '30 1 * * *',
  '*/15 1-3 * * *',
  '0 0 * * *',
  '0 12 * * 1-5',
  '0 0 13 * 5',
  '0 0 29 2 *',
  '5/15 * * * *',
  '10-50/20 */5 * * *',
  '0 0 1 */3 *',
  '0 9 1,15 * 0,6',
  '59 23 31 12 *',
  '@every 90s',
  '@every 7m',
  '@every 2h',
  '@every 1d',
]

const ZONES: { zone: string; froms: string[] }[] = [
  { zone: 'UTC', froms: ['2026-03-01T00:00:00Z', '2026-12-31T23:59:59Z', '2027-02-28T12:34:56Z'] },
  {
    zone: 'America/New_York',
    froms: ['2026-03-07T12:00:00Z', '2026-03-08T06:59:59Z', '2026-03-08T07:00:00Z', '2026-10-31T12:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T06:10:00Z'],
  },
  { zone: 'Europe/London', froms: ['2026-03-28T23:00:00Z', '2026-03-29T00:59:59Z', '2026-10-25T01:00:00Z'] },
  { zone: 'Australia/Lord_Howe', froms: ['2026-10-03T12:00:00Z', '2026-04-04T15:00:00Z', '2026-04-04T12:00:00Z'] },
]

/** Whether two instants read the same on the local wall clock (a repeated fall-back time). */
function sameWallClock(a: number, b: number): boolean {
  const wall = (s: number) => {
    const d = new Date(s * 1000)
    return [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()].join()
  }
  return wall(a) === wall(b)
}

describe.skipIf(nativeSkipReason !== null)('nextAfter equals honker_cron_next_after', () => {
  for (const { zone, froms } of ZONES) {
    it(`in ${zone}`, async () => {
      process.env.TZ = zone
      const { file } = setup()
      const pairs = EXPRESSIONS.flatMap((expression) => froms.map((from) => [expression, at(from)] as const))
      const results = await nativeSql(
        file,
        pairs.map(([expression, from]) => ({ sql: 'SELECT honker_cron_next_after(?, ?) AS v', params: [expression, from] })),
      )
      let fallBackDifferences = 0
      pairs.forEach(([expression, from], index) => {
        const theirs = results[index]![0]!.v as number
        const ours = nextAfter(expression, from)
        if (ours === theirs) return
        // The one documented difference: a repeated fall-back time. honker 0.5.1 returns its later
        // instant, we return the earlier one (docs/compatibility.md 2.7); the wall-clock time is the same.
        expect({ expression, from, ours, theirs, sameWallClock: sameWallClock(ours, theirs), earlier: ours < theirs }).toEqual({
          expression, from, ours, theirs, sameWallClock: true, earlier: true,
        })
        fallBackDifferences++
      })
      expect(fallBackDifferences).toBeLessThanOrEqual(pairs.length / 20)
    })
  }

  it('the fall-back difference, pinned: 01:30 on 2026-11-01 in New York', async () => {
    process.env.TZ = 'America/New_York'
    const { file } = setup()
    const [[row]] = (await nativeSql(file, [{ sql: 'SELECT honker_cron_next_after(?, ?) AS v', params: ['30 1 * * *', at('2026-10-31T12:00:00Z')] }])) as [[{ v: number }]]
    expect(row.v).toBe(at('2026-11-01T06:30:00Z')) // honker 0.5.1: 01:30 EST, the later instant
    expect(nextAfter('30 1 * * *', at('2026-10-31T12:00:00Z'))).toBe(at('2026-11-01T05:30:00Z')) // ours: 01:30 EDT
    // Either way the day fires once: both continue with the next day's 01:30.
    expect(nextAfter('30 1 * * *', row.v)).toBe(at('2026-11-02T06:30:00Z'))
    expect(nextAfter('30 1 * * *', at('2026-11-01T05:30:00Z'))).toBe(at('2026-11-02T06:30:00Z'))
  })

  it('rejects what honker rejects', async () => {
    process.env.TZ = 'UTC'
    const { file } = setup()
    const malformed = ['* * * * 7', '5/0 * * * *', '@every 5 s', '@hourly', '* * * JAN *', '0 0 30 2 *', '1-2-3 * * * *', '@every 0s']
    const outcomes = await Promise.all(
      malformed.map((expression) =>
        one(file, 'honker_cron_next_after(?, ?)', [expression, at('2026-03-01T00:00:00Z')]).then(
          () => 'accepted',
          (error: Error) => (/honker child failed/.test(error.message) ? 'rejected' : `unexpected: ${error.message}`),
        ),
      ),
    )
    expect(outcomes).toEqual(malformed.map(() => 'rejected'))
    for (const expression of malformed) {
      expect(() => nextAfter(expression, at('2026-03-01T00:00:00Z'))).toThrow(expect.objectContaining({ code: 'invalid_cron' }))
    }
  })
})
