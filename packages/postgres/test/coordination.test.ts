import { describe, expect, it } from 'vitest'
import { freshDatabase, manualClock, testPool } from './support/pg.ts'

describe('locks, rate limits, results and the scheduler on PostgreSQL', () => {
  it('rate-limits per window, across pools, and a rolled-back try gives its slot back', async () => {
    const clock = manualClock(1_900_000_020)
    const db = await freshDatabase({ clock })
    const other = await freshDatabase({ schema: db.schema, postgres: testPool(), clock })
    const limit = db.rateLimit('api', { limit: 2, perS: 60 })
    await expect(
      db.transaction(async (tx) => {
        expect(await limit.try({ tx })).toBe(true)
        throw new Error('rollback')
      }),
    ).rejects.toThrow('rollback')
    expect(await limit.remaining()).toBe(2)
    expect(await limit.try()).toBe(true)
    expect(await other.rateLimit('api', { limit: 2, perS: 60 }).try()).toBe(true)
    expect(await limit.try()).toBe(false)
    expect(await limit.resetsAt()).toBe(1_900_000_080)
    clock.advance(60)
    expect(await limit.try()).toBe(true)
  })

  it('fires each due boundary once however many app servers tick, with the catch-up cap', async () => {
    const clock = manualClock(1_900_000_000)
    const db = await freshDatabase({ clock })
    const other = await freshDatabase({ schema: db.schema, postgres: testPool(), clock })
    const scheduler = db.scheduler()
    expect(await scheduler.add({ name: 'every', queue: 'ticks', schedule: '@every 10s', payload: { k: 1 } })).toBe(true)
    expect(await scheduler.add({ name: 'every', queue: 'ticks', schedule: '@every 10s', payload: { k: 1 } })).toBe(false)
    clock.advance(30)
    const [mine, theirs] = await Promise.all([scheduler.tick(), other.scheduler().tick()])
    expect([...mine!, ...theirs!].map((fired) => fired.fireAt).sort()).toEqual([1_900_000_010, 1_900_000_020, 1_900_000_030])
    expect((await db.queue('ticks').counts()).pending).toBe(3)
    expect(await scheduler.pause('every')).toBe(true)
    clock.advance(10_000)
    expect(await scheduler.tick()).toEqual([])
    expect(await scheduler.resume('every')).toBe(true)
    expect((await scheduler.tick())!.length).toBe(64)
    expect((await scheduler.get('every'))!.nextFireAt).toBeGreaterThan(1_900_010_030)
    expect((await scheduler.list()).map((task) => task.name)).toEqual(['every'])
    expect(await scheduler.update('every', { priority: 3 })).toBe(true)
    expect(await scheduler.remove('every')).toBe(true)
  })

  it('elects one scheduler leader across pools; a standby takes over when the leader stops', async () => {
    const db = await freshDatabase()
    const other = await freshDatabase({ schema: db.schema, postgres: testPool() })
    await db.scheduler().add({ name: 'fast', queue: 'q', schedule: '@every 1s' })
    const first = db.scheduler().run({ owner: 'first', lockTtlS: 30 })
    await new Promise<void>((resolve) => first.once('leader:acquired', resolve))
    const second = other.scheduler().run({ owner: 'second', lockTtlS: 30 })
    await new Promise<void>((resolve) => second.once('scheduler:standby', resolve))
    expect(second.isLeader).toBe(false)
    const fired: number[] = []
    first.on('task:fired', (job) => fired.push(job.fireAt))
    await new Promise((resolve) => setTimeout(resolve, 2_200))
    expect(fired.length).toBeGreaterThanOrEqual(1)
    const takenOver = new Promise<void>((resolve) => second.once('leader:acquired', resolve))
    const stoppedAt = Date.now()
    await first.stop()
    await takenOver
    // The release's NOTIFY wakes the standby at once, well before the 30 s lease would lapse.
    expect(Date.now() - stoppedAt).toBeLessThan(5_000)
    await second.stop()
  })
})
