import { describe, expect, it } from 'vitest'
import Sqlite from 'better-sqlite3'
import { open } from '@honker/core'
import { onCleanup, runCli, tempDbPath } from './helpers.ts'

/** A database with every kind of state `status` reports. */
function populate(file: string): { now: number } {
  const db = open(file)
  onCleanup(() => db.close())
  const now = Math.floor(Date.now() / 1000)
  const emails = db.queue('emails')
  emails.enqueue({ n: 1 }, { runAt: now - 120 }) // due two minutes ago: the oldest pending
  emails.enqueue({ n: 2 })
  emails.enqueue({ n: 3 }, { delayS: 3600 })
  emails.enqueue({ n: 4 }, { priority: 10 })
  expect(emails.claimOne('w1')!.payload).toEqual({ n: 4 }) // processing
  const reports = db.queue('reports')
  reports.enqueue({ r: 1 })
  reports.claimOne('w2')!.fail(new Error('printer on fire')) // dead
  // Two topics interleaved: offsets are one sequence, so lag must count the topic's own events.
  const orders = db.stream('orders')
  const audit = db.stream('audit')
  const offsets: number[] = []
  for (let i = 0; i < 5; i++) {
    offsets.push(orders.publish({ order: i }))
    audit.publish({ seen: i })
  }
  orders.saveOffset('billing', offsets[2]!)
  orders.saveOffset('search', offsets[4]!)
  const scheduler = db.scheduler()
  scheduler.add({ name: 'nightly', queue: 'reports', schedule: '0 3 * * *' })
  scheduler.add({ name: 'ping', queue: 'pings', schedule: '@every 1h' })
  scheduler.pause('ping')
  return { now }
}

describe('honker status', () => {
  it('reports queues, streams with consumer lag, and schedules as JSON', async () => {
    const file = tempDbPath()
    const { now } = populate(file)
    const result = await runCli(['status', '--db', file, '--json'])
    expect(result.code).toBe(0)
    const status = JSON.parse(result.stdout)
    expect(status.database).toBe(file)
    expect(status.queues).toEqual([
      { queue: 'emails', pending: 2, delayed: 1, processing: 1, dead: 0, oldestPendingS: expect.any(Number) },
      { queue: 'reports', pending: 0, delayed: 0, processing: 0, dead: 1, oldestPendingS: null },
    ])
    expect(status.queues[0].oldestPendingS).toBeGreaterThanOrEqual(120)
    expect(status.queues[0].oldestPendingS).toBeLessThan(120 + 10)
    expect(status.streams).toEqual([
      { topic: 'audit', events: 5, lastOffset: 10, consumers: [] },
      {
        topic: 'orders',
        events: 5,
        lastOffset: 9,
        consumers: [
          { consumer: 'billing', offset: 5, lag: 2 },
          { consumer: 'search', offset: 9, lag: 0 },
        ],
      },
    ])
    const nightly = status.schedules.find((s: { name: string }) => s.name === 'nightly')
    expect(nightly).toMatchObject({ queue: 'reports', schedule: '0 3 * * *', paused: false, maxAttempts: 3 })
    expect(nightly.nextFireAt).toBeGreaterThan(now)
    expect(status.schedules.find((s: { name: string }) => s.name === 'ping')).toMatchObject({ paused: true, schedule: '@every 1h' })
    expect(status.schedulerLeader).toBeNull()
  })

  it('prints tables for a person', async () => {
    const file = tempDbPath()
    populate(file)
    const result = await runCli(['status', '--db', file])
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0]).toBe(`Database ${file}`)
    expect(lines).toContain('queue    pending  delayed  processing  dead  oldest pending')
    expect(lines.find((line) => line.startsWith('emails'))).toMatch(/^emails\s+2\s+1\s+1\s+0\s+2m \d\ds$/)
    expect(lines.find((line) => line.startsWith('reports'))).toMatch(/^reports\s+0\s+0\s+0\s+1\s+-$/)
    expect(lines.find((line) => line.includes('billing'))).toMatch(/^orders\s+5\s+9\s+billing\s+5\s+2$/)
    expect(lines.find((line) => line.startsWith('audit'))).toMatch(/^audit\s+5\s+10\s+-\s+-\s+-$/)
    expect(result.stdout).toContain('no scheduler running')
    expect(lines.find((line) => line.startsWith('ping'))).toMatch(/paused$/)
    expect(lines.find((line) => line.startsWith('nightly'))).toMatch(/\(in \d+[hm] \d\d[ms]\)\s+active$/)
  })

  it('reads without writing: nothing commits and the schema is untouched', async () => {
    const file = tempDbPath()
    populate(file)
    const checkpoint = new Sqlite(file)
    checkpoint.pragma('wal_checkpoint(TRUNCATE)')
    const before = checkpoint.prepare('SELECT count(*) AS n, (SELECT group_concat(name) FROM sqlite_master) AS names FROM _honker_live').get()
    const version = checkpoint.pragma('data_version', { simple: true })
    expect((await runCli(['status', '--db', file])).code).toBe(0)
    expect(checkpoint.pragma('data_version', { simple: true })).toBe(version)
    expect(checkpoint.prepare('SELECT count(*) AS n, (SELECT group_concat(name) FROM sqlite_master) AS names FROM _honker_live').get()).toEqual(before)
    checkpoint.close()
  })

  it('says when the file has no honker tables', async () => {
    const file = tempDbPath()
    const plain = new Sqlite(file)
    plain.exec('CREATE TABLE users (id INTEGER PRIMARY KEY)')
    plain.close()
    const result = await runCli(['status', '--db', file])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`honker: ${file} has no honker tables; is --db the right file? (not_a_honker_database)\n`)
  })

  it('shows the scheduler leader while one runs', async () => {
    const file = tempDbPath()
    populate(file)
    const db = open(file)
    onCleanup(() => db.close())
    expect(db.lock('honker-scheduler', { ttlS: 60 }).acquire()).toBe(true)
    const status = JSON.parse((await runCli(['status', '--db', file, '--json'])).stdout)
    expect(status.schedulerLeader).toEqual({ owner: expect.any(String), expiresAt: expect.any(Number) })
    const text = (await runCli(['status', '--db', file])).stdout
    expect(text).toMatch(/Schedules \(leader .+, lease (\d+m )?\d+s left\)/)
  })
})
