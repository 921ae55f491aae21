import { describe, expect, it } from 'vitest'
import { nextAfter } from '@honker/core'
import { manualClock, openPair } from './helpers.ts'

describe('notify', () => {
  it('writes the row db.notify writes and returns its id', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const apiId = pair.db.notify('orders', { id: 7 })
    const sqlId = pair.sql<number>('SELECT notify(?, ?)', 'orders', JSON.stringify({ id: 7 }))
    expect(sqlId).toBe(apiId + 1)
    const rows = pair.sqlite.prepare('SELECT id, channel, payload, created_at FROM _honker_notifications ORDER BY id').all()
    expect(rows).toEqual([
      { id: apiId, channel: 'orders', payload: '{"id":7}', created_at: clock.s() },
      { id: sqlId, channel: 'orders', payload: '{"id":7}', created_at: clock.s() },
    ])
  })

  it('wakes a listener of the core API', async () => {
    const pair = openPair()
    const controller = new AbortController()
    const listener = pair.db.listen<{ id: number }>('orders', { signal: controller.signal })
    const iterator = listener[Symbol.asyncIterator]()
    const first = iterator.next()
    // The listener took the channel's newest id when it was created: this row is after it.
    pair.sql('SELECT notify(?, ?)', 'orders', '{"id":42}')
    const received = await first
    expect(received.done).toBe(false)
    expect(received.value!.payload).toEqual({ id: 42 })
    controller.abort()
    await iterator.return?.()
  })
})

describe('stream functions', () => {
  it('honker_stream_publish and honker_stream_read_since match publish and readSince', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const stream = pair.db.stream('orders')
    const a = stream.publish({ n: 1 })
    const b = pair.sql<number>('SELECT honker_stream_publish(?, ?, ?)', 'orders', 'k-2', '{"n":2}')
    const c = pair.sql<number>('SELECT honker_stream_publish(?, ?, ?)', 'orders', null, '"three"')
    pair.sql('SELECT honker_stream_publish(?, ?, ?)', 'other', null, '0')
    expect([b, c]).toEqual([a + 1, a + 2])
    const viaSql = JSON.parse(pair.sql<string>('SELECT honker_stream_read_since(?, ?, ?)', 'orders', 0, 10))
    const viaApi = stream.readSince(0, 10).map((event) => ({
      offset: event.offset,
      topic: event.topic,
      key: event.key,
      payload: event.payloadText,
      created_at: event.createdAt,
    }))
    expect(viaSql).toEqual(viaApi)
    expect(viaApi.map((event) => event.payload)).toEqual(['{"n":1}', '{"n":2}', '"three"'])
    expect(JSON.parse(pair.sql<string>('SELECT honker_stream_read_since(?, ?, ?)', 'orders', a, 1))).toEqual([viaApi[1]])
  })

  it('offsets saved either way are read either way, and only move forward', () => {
    const pair = openPair()
    const stream = pair.db.stream('orders')
    expect(pair.sql('SELECT honker_stream_get_offset(?, ?)', 'billing', 'orders')).toBe(0)
    expect(pair.sql('SELECT honker_stream_save_offset(?, ?, ?)', 'billing', 'orders', 5)).toBe(1)
    expect(stream.getOffset('billing')).toBe(5)
    expect(pair.sql('SELECT honker_stream_save_offset(?, ?, ?)', 'billing', 'orders', 3)).toBe(0)
    expect(stream.saveOffset('billing', 9)).toBe(true)
    expect(pair.sql('SELECT honker_stream_get_offset(?, ?)', 'billing', 'orders')).toBe(9)
    expect(pair.sql('SELECT honker_stream_get_offset(?, ?)', 'billing', 'other')).toBe(0)
  })
})

describe('result functions', () => {
  it('save/get/sweep agree with saveResult/getResult/sweepResults', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    expect(pair.sql('SELECT honker_result_save(?, ?, ?)', 1, '{"url":"x"}', 60)).toBe(1)
    expect(pair.db.getResult(1)).toEqual({ found: true, value: { url: 'x' } })
    pair.db.saveResult(2, null)
    expect(pair.sql('SELECT honker_result_get(?)', 2)).toBe('null')
    expect(pair.sql('SELECT honker_result_get(?)', 3)).toBeNull()
    expect(pair.sql('SELECT honker_result_save(?, ?, ?)', 2, '"replaced"', 0)).toBe(1)
    expect(pair.db.getResult(2)).toEqual({ found: true, value: 'replaced' })
    clock.advance(60)
    expect(pair.sql('SELECT honker_result_get(?)', 1)).toBeNull()
    expect(pair.db.getResult(1)).toEqual({ found: false })
    expect(pair.sql('SELECT honker_result_sweep()')).toBe(1)
    expect(pair.sql('SELECT count(*) FROM _honker_results')).toBe(1)
    expect(pair.db.sweepResults()).toBe(0)
  })
})

describe('lock functions', () => {
  it('share leases with db.lock', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const api = pair.db.lock('leader', { ttlS: 30, owner: 'api' })
    expect(pair.sql('SELECT honker_lock_acquire(?, ?, ?)', 'leader', 'sql', 30)).toBe(1)
    expect(api.acquire()).toBe(false)
    expect(api.peek()).toEqual({ owner: 'sql', expiresAt: clock.s() + 30 })
    clock.advance(10)
    // Holding it already: 1, but the TTL is not refreshed (renew does that).
    expect(pair.sql('SELECT honker_lock_acquire(?, ?, ?)', 'leader', 'sql', 30)).toBe(1)
    expect(api.peek()!.expiresAt).toBe(clock.s() + 20)
    expect(pair.sql('SELECT honker_lock_renew(?, ?, ?)', 'leader', 'sql', 30)).toBe(1)
    expect(api.peek()!.expiresAt).toBe(clock.s() + 30)
    expect(pair.sql('SELECT honker_lock_renew(?, ?, ?)', 'leader', 'api', 30)).toBe(0)
    expect(pair.sql('SELECT honker_lock_release(?, ?)', 'leader', 'api')).toBe(0)
    expect(pair.sql('SELECT honker_lock_release(?, ?)', 'leader', 'sql')).toBe(1)
    expect(api.acquire()).toBe(true)
    clock.advance(30)
    expect(pair.sql('SELECT honker_lock_acquire(?, ?, ?)', 'leader', 'sql', 5)).toBe(1)
    expect(api.renew()).toBe(false)
  })

  it('rejects a non-positive renew ttl', () => {
    const pair = openPair()
    expect(() => pair.sql('SELECT honker_lock_renew(?, ?, ?)', 'x', 'y', 0)).toThrow(/ttl_s must be positive/)
  })
})

describe('rate limit functions', () => {
  it('count in the same window as db.rateLimit', () => {
    const clock = manualClock(1_800_000_030)
    const pair = openPair({ clock })
    const limit = pair.db.rateLimit('emails', { limit: 3, perS: 60 })
    expect(pair.sql('SELECT honker_rate_limit_try(?, ?, ?)', 'emails', 3, 60)).toBe(1)
    expect(limit.try()).toBe(true)
    expect(pair.sql('SELECT honker_rate_limit_try(?, ?, ?)', 'emails', 3, 60)).toBe(1)
    expect(limit.remaining()).toBe(0)
    expect(pair.sql('SELECT honker_rate_limit_try(?, ?, ?)', 'emails', 3, 60)).toBe(0)
    expect(pair.sql(`SELECT window_start FROM _honker_rate_limits`)).toBe(1_800_000_000)
    clock.advance(30)
    expect(pair.sql('SELECT honker_rate_limit_try(?, ?, ?)', 'emails', 3, 60)).toBe(1)
    clock.advance(120)
    expect(pair.sql('SELECT honker_rate_limit_sweep(?)', 60)).toBe(pair.db.sweepRateLimits(60) + 2)
    expect(() => pair.sql('SELECT honker_rate_limit_try(?, ?, ?)', 'emails', 0, 60)).toThrow(/limit and per must be positive/)
  })
})

describe('honker_cron_next_after', () => {
  it('is core nextAfter', () => {
    const pair = openPair()
    const from = 1_800_000_123
    for (const expression of ['@every 5s', '@every 2h', '*/15 * * * *', '0 3 * * 1-5', '30 */10 * * * *']) {
      expect(pair.sql('SELECT honker_cron_next_after(?, ?)', expression, from)).toBe(nextAfter(expression, from))
    }
    expect(pair.sql('SELECT typeof(honker_cron_next_after(?, ?))', '@every 5s', from)).toBe('integer')
    expect(() => pair.sql('SELECT honker_cron_next_after(?, ?)', 'every day', from)).toThrow(
      expect.objectContaining({ code: 'invalid_cron' }),
    )
  })
})

describe('scheduler functions', () => {
  function listSql(pair: ReturnType<typeof openPair>): unknown[] {
    return JSON.parse(pair.sql<string>('SELECT honker_scheduler_list()'))
  }

  it('register and list agree with scheduler.add and scheduler.list', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const scheduler = pair.db.scheduler()
    expect(pair.sql('SELECT honker_scheduler_register(?, ?, ?, ?, ?, ?)', 'b-sql', 'q', '@every 30s', '{"k":1}', 2, null)).toBe(1)
    expect(pair.sql('SELECT honker_scheduler_register(?, ?, ?, ?, ?, ?, ?)', 'c-sql', 'q', '0 3 * * *', 'null', 0, 600, 0)).toBe(1)
    scheduler.add({ name: 'a-api', queue: 'q', schedule: '@every 30s', payload: { k: 1 }, priority: 2 })
    const tasks = scheduler.list()
    expect(listSql(pair)).toEqual(
      tasks.map((task) => ({
        name: task.name,
        queue: task.queue,
        cron_expr: task.schedule,
        payload: task.payloadText,
        priority: task.priority,
        expires_s: task.expiresS,
        next_fire_at: task.nextFireAt,
        enabled: task.enabled,
        max_attempts: task.maxAttempts,
      })),
    )
    expect(tasks.map((task) => task.name)).toEqual(['a-api', 'b-sql', 'c-sql'])
    // 6 arguments: 3 attempts; 7 with a value below 1: clamped to 1 (honker's SQL contract).
    expect(tasks.map((task) => task.maxAttempts)).toEqual([3, 3, 1])
    expect(tasks[1]).toMatchObject({ nextFireAt: clock.s() + 30, payload: { k: 1 }, enabled: true })
    expect(tasks[2]!.nextFireAt).toBe(nextAfter('0 3 * * *', clock.s()))
  })

  it('registering the same definition again keeps next_fire_at, like scheduler.add', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const register = () => pair.sql('SELECT honker_scheduler_register(?, ?, ?, ?, ?, ?)', 't', 'q', '@every 30s', '{}', 0, null)
    register()
    const first = pair.db.scheduler().get('t')!.nextFireAt
    clock.advance(20)
    register()
    expect(pair.db.scheduler().get('t')!.nextFireAt).toBe(first)
    pair.sql('SELECT honker_scheduler_register(?, ?, ?, ?, ?, ?)', 't', 'q', '@every 30s', '{}', 1, null)
    expect(pair.db.scheduler().get('t')).toMatchObject({ nextFireAt: clock.s() + 30, priority: 1 })
  })

  it('tick fires what scheduler.tick fires on an identical file, with the same catch-up cap', () => {
    const clock = manualClock()
    const viaApi = openPair({ clock })
    const viaSql = openPair({ clock })
    for (const pair of [viaApi, viaSql]) {
      pair.db.scheduler().add({ name: 'fast', queue: 'q', schedule: '@every 1s', payload: { f: 1 }, expiresS: 60 })
      pair.db.scheduler().add({ name: 'slow', queue: 'q2', schedule: '@every 10s', maxAttempts: 4 })
    }
    const now = clock.s() + 100
    const fired = viaApi.db.scheduler().tick(now)
    const firedSql = JSON.parse(viaSql.sql<string>('SELECT honker_scheduler_tick(?)', now)) as Record<string, unknown>[]
    expect(firedSql).toEqual(fired.map((job) => ({ name: job.name, queue: job.queue, fire_at: job.fireAt, job_id: job.jobId })))
    expect(firedSql.filter((job) => job.name === 'fast')).toHaveLength(64)
    expect(firedSql.filter((job) => job.name === 'slow')).toHaveLength(10)
    expect(viaSql.db.scheduler().list()).toEqual(viaApi.db.scheduler().list())
    const job = viaSql.db.queue('q').getJob(firedSql[0]!.job_id as number)!
    expect(job).toMatchObject({ payloadText: '{"f":1}', runAt: clock.s(), expiresAt: clock.s() + 60, maxAttempts: 3 })
    expect(viaSql.db.queue('q2').getJob(firedSql.at(-1)!.job_id as number)!.maxAttempts).toBe(4)
    expect(viaSql.sql('SELECT honker_scheduler_tick(?)', now)).toBe('[]')
  })

  it('pause, resume, soonest, unregister and update act on the rows the API reads', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const scheduler = pair.db.scheduler()
    scheduler.add({ name: 'a', queue: 'q', schedule: '@every 60s' })
    scheduler.add({ name: 'b', queue: 'q', schedule: '@every 30s' })
    expect(pair.sql('SELECT honker_scheduler_soonest()')).toBe(scheduler.soonest())
    expect(pair.sql('SELECT honker_scheduler_pause(?)', 'b')).toBe(1)
    expect(pair.sql('SELECT honker_scheduler_pause(?)', 'b')).toBe(0)
    expect(scheduler.get('b')!.enabled).toBe(false)
    expect(pair.sql('SELECT honker_scheduler_soonest()')).toBe(clock.s() + 60)
    expect(pair.sql('SELECT honker_scheduler_resume(?)', 'b')).toBe(1)
    expect(pair.sql('SELECT honker_scheduler_resume(?)', 'missing')).toBe(0)

    expect(pair.sql('SELECT honker_scheduler_update(?, ?, ?, ?, ?, ?)', 'a', null, null, null, null, 0)).toBe(0)
    expect(pair.sql('SELECT honker_scheduler_update(?, ?, ?, ?, ?, ?)', 'missing', null, '1', null, null, 0)).toBe(0)
    clock.advance(5)
    expect(pair.sql('SELECT honker_scheduler_update(?, ?, ?, ?, ?, ?)', 'a', null, '{"v":2}', 9, 120, 1)).toBe(1)
    expect(scheduler.get('a')).toMatchObject({ payload: { v: 2 }, priority: 9, expiresS: 120, schedule: '@every 60s', nextFireAt: clock.s() + 55 })
    expect(pair.sql('SELECT honker_scheduler_update(?, ?, ?, ?, ?, ?, ?, ?)', 'a', '@every 20s', null, null, null, 1, 7, 1)).toBe(1)
    expect(scheduler.get('a')).toMatchObject({ schedule: '@every 20s', expiresS: null, maxAttempts: 7, nextFireAt: clock.s() + 20, priority: 9 })
    expect(scheduler.update('a', { maxAttempts: null })).toBe(true)
    expect(pair.sql('SELECT honker_scheduler_update(?, ?, ?, ?, ?, ?, ?, ?)', 'a', null, null, null, null, 0, null, 1)).toBe(1)
    expect(scheduler.get('a')!.maxAttempts).toBe(3)
    expect(() => pair.sql('SELECT honker_scheduler_update(?, ?, ?, ?, ?, ?)', 'a', 'bad', null, null, null, 0)).toThrow(
      expect.objectContaining({ code: 'invalid_cron' }),
    )

    expect(pair.sql('SELECT honker_scheduler_unregister(?)', 'a')).toBe(1)
    expect(pair.sql('SELECT honker_scheduler_unregister(?)', 'a')).toBe(0)
    expect(scheduler.list().map((task) => task.name)).toEqual(['b'])
  })
})
