process.env.TZ = 'UTC'

import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { HonkerError, nextAfter, open, type Database, type FiredJob, type Scheduler } from '../src/index.ts'
import { SchedulerRunner } from '../src/scheduler/scheduler-runner.ts'
import { sqliteScheduleOps } from '../src/scheduler/sqlite-schedule-ops.ts'
import type { Host } from '../src/host.ts'
import { onCleanup, sleep, tempDbPath } from './helpers.ts'

const T = 1_800_000_000 // 2027-01-15T08:00:00Z

interface Harness {
  db: Database
  scheduler: Scheduler
  clock: { ms: number }
  raw: Sqlite.Database
  file: string
  tasks(): Record<string, unknown>[]
  jobs(queue?: string): Record<string, unknown>[]
}

function setup(startS = T): Harness {
  const file = tempDbPath()
  const clock = { ms: startS * 1000 }
  const db = open(file, { clock: { now: () => clock.ms } })
  const raw = new Sqlite(file)
  onCleanup(() => {
    db.close()
    raw.close()
  })
  return {
    db,
    scheduler: db.scheduler(),
    clock,
    raw,
    file,
    tasks: () => raw.prepare('SELECT * FROM _honker_scheduler_tasks ORDER BY name').all() as Record<string, unknown>[],
    jobs: (queue) =>
      (queue === undefined
        ? raw.prepare('SELECT * FROM _honker_live ORDER BY id').all()
        : raw.prepare('SELECT * FROM _honker_live WHERE queue = ? ORDER BY id').all(queue)) as Record<string, unknown>[],
  }
}

function errorOf(run: () => unknown): HonkerError {
  try {
    run()
  } catch (error) {
    if (HonkerError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected an error')
}

describe('scheduler.add / register', () => {
  it('stores the task with next_fire_at = nextAfter(expr, now) and lists it as a typed object', () => {
    const { scheduler, tasks } = setup()
    expect(scheduler.add({ name: 'report', queue: 'reports', schedule: '0 3 * * *', payload: { kind: 'daily' }, priority: 5, expiresS: 600, maxAttempts: 7 })).toBe(true)
    expect(tasks()).toEqual([
      {
        name: 'report',
        queue: 'reports',
        cron_expr: '0 3 * * *',
        payload: '{"kind":"daily"}',
        priority: 5,
        expires_s: 600,
        next_fire_at: nextAfter('0 3 * * *', T),
        enabled: 1,
        max_attempts: 7,
      },
    ])
    expect(scheduler.list()).toEqual([
      {
        name: 'report',
        queue: 'reports',
        schedule: '0 3 * * *',
        payload: { kind: 'daily' },
        payloadText: '{"kind":"daily"}',
        priority: 5,
        expiresS: 600,
        nextFireAt: nextAfter('0 3 * * *', T),
        enabled: true,
        maxAttempts: 7,
      },
    ])
  })

  it('defaults: payload null, priority 0, no expiry, 3 attempts', () => {
    const { scheduler } = setup()
    scheduler.register({ name: 'ping', queue: 'pings', schedule: '@every 30s' })
    expect(scheduler.get('ping')).toMatchObject({ payload: null, payloadText: 'null', priority: 0, expiresS: null, maxAttempts: 3, nextFireAt: T + 30 })
  })

  it('re-registering the same definition keeps next_fire_at (no @every push-out, no lost catch-up)', () => {
    const { scheduler, clock } = setup()
    const definition = { name: 'ping', queue: 'pings', schedule: '@every 10s', payload: { n: 1 }, priority: 2, expiresS: 60, maxAttempts: 4 }
    expect(scheduler.add(definition)).toBe(true)
    clock.ms += 5_000
    expect(scheduler.add({ ...definition, payload: { n: 1 } })).toBe(false)
    expect(scheduler.get('ping')!.nextFireAt).toBe(T + 10)
    clock.ms += 20_000 // now T+25: boundaries T+10 and T+20 are due
    expect(scheduler.register(definition)).toBe(false)
    expect(scheduler.get('ping')!.nextFireAt).toBe(T + 10)
    expect(scheduler.tick().map((fired) => fired.fireAt)).toEqual([T + 10, T + 20])
  })

  it('treats a payload stored with other JSON spacing (Python) as the same definition', () => {
    const { scheduler, raw } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s', payload: { a: 1, b: [1, 2] } })
    raw.prepare(`UPDATE _honker_scheduler_tasks SET payload = '{"a": 1, "b": [1, 2]}', next_fire_at = 42`).run()
    expect(scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s', payload: { a: 1, b: [1, 2] } })).toBe(false)
    expect(scheduler.get('ping')!.nextFireAt).toBe(42)
  })

  it.each([
    ['queue', { queue: 'other' }],
    ['schedule', { schedule: '@every 11s' }],
    ['payload', { payload: { n: 2 } }],
    ['priority', { priority: 3 }],
    ['expiresS', { expiresS: null }],
    ['maxAttempts', { maxAttempts: 5 }],
  ])('a changed %s redefines the task and recomputes next_fire_at from now', (_field, change) => {
    const { scheduler, clock, tasks } = setup()
    const definition = { name: 'ping', queue: 'pings', schedule: '@every 10s', payload: { n: 1 }, priority: 2, expiresS: 60, maxAttempts: 4 }
    scheduler.add(definition)
    clock.ms += 25_000
    expect(scheduler.add({ ...definition, ...change })).toBe(true)
    const [row] = tasks()
    expect(row!.next_fire_at).toBe(nextAfter((change as { schedule?: string }).schedule ?? '@every 10s', T + 25))
    const expected = { queue: 'pings', cron_expr: '@every 10s', payload: '{"n":1}', priority: 2, expires_s: 60, max_attempts: 4 }
    const applied = {
      queue: { queue: 'other' },
      schedule: { cron_expr: '@every 11s' },
      payload: { payload: '{"n":2}' },
      priority: { priority: 3 },
      expiresS: { expires_s: null },
      maxAttempts: { max_attempts: 5 },
    }[_field]
    expect(row).toMatchObject({ ...expected, ...applied })
  })

  it('never touches enabled: a paused task stays paused when registered again, changed or not', () => {
    const { scheduler } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s' })
    scheduler.pause('ping')
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s' })
    expect(scheduler.get('ping')!.enabled).toBe(false)
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 20s' })
    expect(scheduler.get('ping')!.enabled).toBe(false)
  })

  it('rejects a malformed expression with invalid_cron and writes nothing, also over an existing task', () => {
    const { scheduler, tasks } = setup()
    for (const schedule of ['', '* * * *', '@hourly', '0 0 * * 7', '5/0 * * * *', '* * * JAN *', '0 0 30 2 *', '@every 5 s']) {
      expect(errorOf(() => scheduler.add({ name: 'bad', queue: 'q', schedule })).code).toBe('invalid_cron')
    }
    expect(tasks()).toEqual([])
    scheduler.add({ name: 'good', queue: 'q', schedule: '@every 10s' })
    const before = tasks()
    expect(errorOf(() => scheduler.add({ name: 'good', queue: 'q', schedule: '0 0 31 4 *' })).code).toBe('invalid_cron')
    expect(tasks()).toEqual(before)
  })

  it('rejects bad arguments with invalid_argument (maxAttempts < 1 is rejected, not clamped)', () => {
    const { scheduler, tasks } = setup()
    const base = { name: 'x', queue: 'q', schedule: '@every 1s' }
    expect(errorOf(() => scheduler.add({ ...base, maxAttempts: 0 })).code).toBe('invalid_argument')
    expect(errorOf(() => scheduler.add({ ...base, priority: 1.5 })).code).toBe('invalid_argument')
    expect(errorOf(() => scheduler.add({ ...base, expiresS: 0 })).code).toBe('invalid_argument')
    expect(errorOf(() => scheduler.add({ ...base, name: '' })).code).toBe('invalid_argument')
    expect(errorOf(() => scheduler.add({ ...base, queue: '' })).code).toBe('invalid_argument')
    expect(errorOf(() => scheduler.add({ ...base, payload: () => 1 })).code).toBe('invalid_payload')
    expect(errorOf(() => scheduler.add(null as never)).code).toBe('invalid_argument')
    expect(tasks()).toEqual([])
  })
})

describe('scheduler.update / remove / pause / resume / soonest', () => {
  it('updates given fields only; a new expression recomputes next_fire_at, the same one does not', () => {
    const { scheduler, clock } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s', payload: 1, priority: 1, expiresS: 60, maxAttempts: 5 })
    clock.ms += 4_000
    expect(scheduler.update('ping', { payload: { v: 2 }, priority: 9 })).toBe(true)
    expect(scheduler.get('ping')).toMatchObject({ payload: { v: 2 }, priority: 9, expiresS: 60, maxAttempts: 5, nextFireAt: T + 10 })
    expect(scheduler.update('ping', { schedule: '@every 10s' })).toBe(true)
    expect(scheduler.get('ping')!.nextFireAt).toBe(T + 10)
    expect(scheduler.update('ping', { schedule: '@every 1m' })).toBe(true)
    expect(scheduler.get('ping')).toMatchObject({ schedule: '@every 1m', nextFireAt: T + 4 + 60 })
  })

  it('distinguishes null from omitted: expiresS null clears, maxAttempts null resets to 3', () => {
    const { scheduler } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s', expiresS: 60, maxAttempts: 5 })
    expect(scheduler.update('ping', { priority: 1, expiresS: undefined })).toBe(true)
    expect(scheduler.get('ping')).toMatchObject({ expiresS: 60, maxAttempts: 5 })
    expect(scheduler.update('ping', { expiresS: null, maxAttempts: null })).toBe(true)
    expect(scheduler.get('ping')).toMatchObject({ expiresS: null, maxAttempts: 3 })
  })

  it('returns false for a missing task or when nothing is given, writing nothing', () => {
    const { scheduler, tasks } = setup()
    expect(scheduler.update('missing', { priority: 1 })).toBe(false)
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s' })
    const before = tasks()
    expect(scheduler.update('ping', {})).toBe(false)
    expect(tasks()).toEqual(before)
  })

  it('rejects an invalid new expression and leaves the task unchanged', () => {
    const { scheduler, tasks } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s' })
    const before = tasks()
    expect(errorOf(() => scheduler.update('ping', { schedule: '61 * * * *', priority: 3 })).code).toBe('invalid_cron')
    expect(errorOf(() => scheduler.update('ping', { maxAttempts: 0 })).code).toBe('invalid_argument')
    expect(tasks()).toEqual(before)
  })

  it('removes by name', () => {
    const { scheduler, tasks } = setup()
    scheduler.add({ name: 'a', queue: 'q', schedule: '@every 10s' })
    scheduler.add({ name: 'b', queue: 'q', schedule: '@every 10s' })
    expect(scheduler.remove('a')).toBe(true)
    expect(scheduler.remove('a')).toBe(false)
    expect(scheduler.unregister('b')).toBe(true)
    expect(tasks()).toEqual([])
  })

  it('pause and resume flip only from the other state; repeats and missing names return false', () => {
    const { scheduler } = setup()
    scheduler.add({ name: 'a', queue: 'q', schedule: '@every 10s' })
    expect(scheduler.resume('a')).toBe(false)
    expect(scheduler.pause('a')).toBe(true)
    expect(scheduler.pause('a')).toBe(false)
    expect(scheduler.get('a')!.enabled).toBe(false)
    expect(scheduler.resume('a')).toBe(true)
    expect(scheduler.resume('a')).toBe(false)
    expect(scheduler.pause('missing')).toBe(false)
    expect(scheduler.resume('missing')).toBe(false)
  })

  it('lists by name and reports the soonest boundary over enabled tasks only', () => {
    const { scheduler } = setup()
    expect(scheduler.soonest()).toBeNull()
    scheduler.add({ name: 'b-slow', queue: 'q', schedule: '@every 1h' })
    scheduler.add({ name: 'a-fast', queue: 'q', schedule: '@every 10s' })
    expect(scheduler.list().map((task) => task.name)).toEqual(['a-fast', 'b-slow'])
    expect(scheduler.soonest()).toBe(T + 10)
    scheduler.pause('a-fast')
    expect(scheduler.soonest()).toBe(T + 3600)
    scheduler.pause('b-slow')
    expect(scheduler.soonest()).toBeNull()
  })
})

describe('scheduler.tick', () => {
  it('enqueues one job per due boundary with the task settings and advances next_fire_at', () => {
    const { db, scheduler, clock, jobs } = setup()
    scheduler.add({ name: 'report', queue: 'reports', schedule: '*/10 * * * * *', payload: { kind: 'x' }, priority: 4, expiresS: 90, maxAttempts: 6 })
    expect(scheduler.tick()).toEqual([])
    clock.ms += 10_000
    const fired = scheduler.tick()
    const boundary = nextAfter('*/10 * * * * *', T)
    expect(fired).toEqual([{ name: 'report', queue: 'reports', fireAt: boundary, jobId: expect.any(Number) }])
    expect(jobs()).toEqual([
      expect.objectContaining({
        id: fired[0]!.jobId,
        queue: 'reports',
        payload: '{"kind":"x"}',
        state: 'pending',
        priority: 4,
        run_at: T + 10,
        attempts: 0,
        max_attempts: 6,
        created_at: T + 10,
        expires_at: T + 10 + 90,
      }),
    ])
    expect(scheduler.get('report')!.nextFireAt).toBe(nextAfter('*/10 * * * * *', boundary))
    const job = db.queue('reports').claimOne('w')
    expect(job?.payload).toEqual({ kind: 'x' })
  })

  it('fires once when ticked twice with the same now', () => {
    const { scheduler, jobs } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 5s' })
    expect(scheduler.tick(T + 5)).toHaveLength(1)
    expect(scheduler.tick(T + 5)).toEqual([])
    expect(jobs()).toHaveLength(1)
  })

  it('runs jobs at the real now whatever now it is given', () => {
    const { scheduler, jobs } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 5s' })
    scheduler.tick(T + 100)
    expect(jobs().every((job) => job.run_at === T && job.created_at === T)).toBe(true)
  })

  it('catches up at most 64 boundaries per task per call, then skips to nextAfter(now)', () => {
    const { scheduler, jobs } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 1s' })
    const fired = scheduler.tick(T + 1000)
    expect(fired.map((job) => job.fireAt)).toEqual(Array.from({ length: 64 }, (_, i) => T + 1 + i))
    expect(new Set(fired.map((job) => job.jobId)).size).toBe(64)
    expect(jobs('pings')).toHaveLength(64)
    expect(scheduler.get('ping')!.nextFireAt).toBe(T + 1001)
    expect(scheduler.tick(T + 1000)).toEqual([])
  })

  it('fires exactly 64 due boundaries without skipping, and caps at the 65th', () => {
    const { scheduler } = setup()
    scheduler.add({ name: 'a', queue: 'q', schedule: '@every 1s' })
    expect(scheduler.tick(T + 64)).toHaveLength(64)
    expect(scheduler.get('a')!.nextFireAt).toBe(T + 65)
    scheduler.update('a', { priority: 1 }) // same expression: boundary kept
    expect(scheduler.tick(T + 65 + 64)).toHaveLength(64)
    expect(scheduler.get('a')!.nextFireAt).toBe(T + 65 + 64 + 1)
  })

  it('caps each task separately and fires tasks in name order', () => {
    const { scheduler } = setup()
    scheduler.add({ name: 'b', queue: 'q2', schedule: '@every 1s' })
    scheduler.add({ name: 'a', queue: 'q1', schedule: '@every 1s' })
    const fired = scheduler.tick(T + 200)
    expect(fired.filter((job) => job.name === 'a')).toHaveLength(64)
    expect(fired.filter((job) => job.name === 'b')).toHaveLength(64)
    expect(fired[0]!.name).toBe('a')
    expect(fired[64]!.name).toBe('b')
  })

  it('does not fire a paused task or advance it; resume fires the missed boundaries (up to the cap)', () => {
    const { scheduler, clock, jobs } = setup()
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 10s' })
    scheduler.pause('ping')
    clock.ms += 35_000
    expect(scheduler.tick()).toEqual([])
    expect(scheduler.get('ping')!.nextFireAt).toBe(T + 10)
    scheduler.resume('ping')
    expect(scheduler.tick().map((job) => job.fireAt)).toEqual([T + 10, T + 20, T + 30])
    expect(jobs()).toHaveLength(3)
  })

  it('fires tasks registered with honker-style rows, including its expires_s <= 0', () => {
    const { scheduler, raw, jobs } = setup()
    raw
      .prepare(
        `INSERT INTO _honker_scheduler_tasks (name, queue, cron_expr, payload, priority, expires_s, next_fire_at)
         VALUES ('py', 'pyq', '@every 1m', '{"from": "python"}', 0, 0, ?)`,
      )
      .run(T)
    expect(scheduler.tick()).toHaveLength(1)
    expect(jobs('pyq')).toEqual([expect.objectContaining({ payload: '{"from": "python"}', max_attempts: 3, expires_at: T })])
  })

  it('throws invalid_cron naming a stored task it cannot evaluate, and fires nothing in that tick', () => {
    const { scheduler, raw, jobs } = setup()
    scheduler.add({ name: 'a-good', queue: 'q', schedule: '@every 1s' })
    raw.prepare(`INSERT INTO _honker_scheduler_tasks (name, queue, cron_expr, payload, next_fire_at) VALUES ('b-bad', 'q', '@yearly', 'null', ?)`).run(T)
    const error = errorOf(() => scheduler.tick(T + 5))
    expect(error.code).toBe('invalid_cron')
    expect(error.message).toContain('"b-bad"')
    expect(jobs()).toEqual([])
    expect(scheduler.get('a-good')!.nextFireAt).toBe(T + 1)
  })

  it('two handles ticking the same file fire each boundary once', () => {
    const { scheduler, file, jobs, clock } = setup()
    const other = open(file, { clock: { now: () => clock.ms } })
    onCleanup(() => other.close())
    scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 1s' })
    const fired: FiredJob[] = []
    for (let s = 1; s <= 10; s++) {
      fired.push(...scheduler.tick(T + s), ...other.scheduler().tick(T + s))
      fired.push(...other.scheduler().tick(T + s), ...scheduler.tick(T + s))
    }
    expect(fired.map((job) => job.fireAt)).toEqual(Array.from({ length: 10 }, (_, i) => T + 1 + i))
    expect(jobs()).toHaveLength(10)
  })
})

describe('scheduler.run (one process)', () => {
  function realSetup(): { db: Database; raw: Sqlite.Database; file: string } {
    const file = tempDbPath()
    const db = open(file)
    const raw = new Sqlite(file)
    onCleanup(() => {
      db.close()
      raw.close()
    })
    return { db, raw, file }
  }

  it('becomes leader, fires every second on time, and releases the lock on stop', async () => {
    const { db, raw } = realSetup()
    const scheduler = db.scheduler()
    scheduler.add({ name: 'second', queue: 'ticks', schedule: '* * * * * *' })
    const controller = new AbortController()
    const runner = scheduler.run({ owner: 'solo', signal: controller.signal })
    const events: string[] = []
    const fired: FiredJob[] = []
    runner.on('leader:acquired', () => events.push('leader'))
    runner.on('task:fired', (job) => fired.push(job))
    runner.on('scheduler:stopped', () => events.push('stopped'))
    await sleep(3300)
    expect(runner.isLeader).toBe(true)
    expect(raw.prepare(`SELECT owner FROM _honker_locks WHERE name = 'honker-scheduler'`).get()).toEqual({ owner: 'solo' })
    controller.abort()
    await runner.done
    expect(events).toEqual(['leader', 'stopped'])
    expect(runner.isLeader).toBe(false)
    expect(raw.prepare(`SELECT * FROM _honker_locks`).all()).toEqual([])
    // One job per boundary, consecutive seconds, and each on time (fired within its second).
    const boundaries = fired.map((job) => job.fireAt)
    expect(boundaries.length).toBeGreaterThanOrEqual(3)
    expect(boundaries).toEqual(Array.from({ length: boundaries.length }, (_, i) => boundaries[0]! + i))
    const jobs = raw.prepare(`SELECT id, created_at FROM _honker_live WHERE queue = 'ticks' ORDER BY id`).all() as { id: number; created_at: number }[]
    expect(jobs.map((job) => job.id)).toEqual(fired.map((job) => job.jobId))
    // On time: each job was enqueued in its boundary's second (or the next, on a loaded machine).
    jobs.forEach((job, i) => expect(job.created_at - boundaries[i]!).toBeGreaterThanOrEqual(0))
    jobs.forEach((job, i) => expect(job.created_at - boundaries[i]!).toBeLessThanOrEqual(1))
  })

  it('picks up a task registered while it sleeps (commit wake), without waiting for a renewal', async () => {
    const { db, file } = realSetup()
    const runner = db.scheduler().run({ owner: 'solo' })
    onCleanup(() => void runner.stop())
    const fired: FiredJob[] = []
    runner.on('task:fired', (job) => fired.push(job))
    await sleep(300)
    const other = open(file)
    onCleanup(() => other.close())
    other.scheduler().add({ name: 'late', queue: 'q', schedule: '@every 1s' })
    await sleep(1600)
    expect(fired.length).toBeGreaterThanOrEqual(1)
    expect(fired[0]!.name).toBe('late')
    await runner.stop()
  })

  it('a standby takes over at once when the leader stops (release), and never fires while standing by', async () => {
    const { db, file } = realSetup()
    const second = open(file)
    onCleanup(() => second.close())
    db.scheduler().add({ name: 'ping', queue: 'q', schedule: '@every 1s' })
    const leader = db.scheduler().run({ owner: 'first' })
    await new Promise<void>((resolve) => leader.once('leader:acquired', resolve))
    const standby = second.scheduler().run({ owner: 'second', standbyRetryS: 60 })
    const standbyFired: FiredJob[] = []
    standby.on('task:fired', (job) => standbyFired.push(job))
    await new Promise<void>((resolve) => standby.once('scheduler:standby', resolve))
    await sleep(1200)
    expect(standbyFired).toEqual([])
    const stoppedAt = Date.now()
    const acquired = new Promise<number>((resolve) => standby.once('leader:acquired', () => resolve(Date.now())))
    await leader.stop()
    expect((await acquired) - stoppedAt).toBeLessThan(1000)
    await sleep(1200)
    expect(standbyFired.length).toBeGreaterThanOrEqual(1)
    await standby.stop()
  })

  it('steps down without firing when a renew finds its lease taken, then stands by', async () => {
    const { db, raw } = realSetup()
    db.scheduler().add({ name: 'ping', queue: 'q', schedule: '* * * * * *' })
    const runner = db.scheduler().run({ owner: 'me', lockTtlS: 3 })
    onCleanup(() => void runner.stop())
    const events: string[] = []
    runner.on('leader:acquired', () => events.push('acquired'))
    runner.on('leader:lost', () => events.push('lost'))
    runner.on('scheduler:standby', () => events.push('standby'))
    await new Promise<void>((resolve) => runner.once('leader:acquired', resolve))
    // Simulate a successor that took over after our lease lapsed.
    raw.prepare(`UPDATE _honker_locks SET owner = 'successor', expires_at = ? WHERE name = 'honker-scheduler'`).run(Math.floor(Date.now() / 1000) + 600)
    await new Promise<void>((resolve) => runner.once('leader:lost', resolve))
    const countAfterLoss = (raw.prepare(`SELECT count(*) AS n FROM _honker_live`).get() as { n: number }).n
    await sleep(2200)
    expect(runner.isLeader).toBe(false)
    expect((raw.prepare(`SELECT count(*) AS n FROM _honker_live`).get() as { n: number }).n).toBe(countAfterLoss)
    expect(raw.prepare(`SELECT owner FROM _honker_locks`).all()).toEqual([{ owner: 'successor' }])
    // The successor goes away: we take over again.
    raw.prepare(`DELETE FROM _honker_locks`).run()
    await new Promise<void>((resolve) => runner.once('leader:acquired', resolve))
    expect(events).toEqual(['acquired', 'lost', 'standby', 'acquired'])
    await runner.stop()
  })

  it('an idle leader does not wake itself: its renewals do not feed back into commit wakes', async () => {
    const { db } = realSetup()
    db.scheduler().add({ name: 'later', queue: 'q', schedule: '@every 1h' })
    let writes = 0
    // Every Host member delegates to db (bound, so its private fields work); only write is counted.
    const counting = new Proxy(db, {
      get(target, property) {
        if (property === 'write') {
          return <R>(fn: () => R): R => {
            writes++
            return target.write(fn)
          }
        }
        const value: unknown = Reflect.get(target, property, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    }) as Host
    const runner = new SchedulerRunner(sqliteScheduleOps(counting), { owner: 'idle', lockTtlS: 60 })
    await new Promise<void>((resolve) => runner.once('leader:acquired', resolve))
    await sleep(2500)
    await runner.stop()
    // acquire; the first renew+tick (the tick's transaction and the renew nested in it); release.
    // A wake feedback loop would write on every wake, hundreds of times in 2.5 s.
    expect(writes).toBeGreaterThanOrEqual(3)
    expect(writes).toBeLessThanOrEqual(5)
  })

  it('ends with done rejected when the database closes under it', async () => {
    const file = tempDbPath()
    const db = open(file)
    const runner = db.scheduler().run({ owner: 'x' })
    const stopped = new Promise<unknown>((resolve) => runner.once('scheduler:stopped', resolve))
    await sleep(100)
    db.close()
    await expect(runner.done).rejects.toMatchObject({ code: 'closed' })
    expect(await stopped).toMatchObject({ code: 'closed' })
  })
})
