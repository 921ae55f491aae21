import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.ts'
import { onCleanup, sleep, spawnFixture, tempDbPath, type Child } from './helpers.ts'

// Three real processes run the leader loop on one file (fixtures/scheduler-runner.mjs imports the
// built package: build before running this file).

const TASKS = [
  { name: 'every-second', queue: 'every', schedule: '@every 1s' },
  { name: 'cron-second', queue: 'cron', schedule: '* * * * * *' },
]
const LOCK_TTL_S = 3

interface Fired {
  pid: number
  name: string
  fireAt: number
  jobId: number
}

function firedOf(children: Child[]): Fired[] {
  return children.flatMap((child) =>
    child.messages.filter((m) => m.event === 'fired').map((m) => ({ pid: m.pid as number, name: m.name as string, fireAt: m.fireAt as number, jobId: m.jobId as number })),
  )
}

function leaderOf(children: Child[]): Child[] {
  return children.filter((child) => child.messages.some((m) => m.event === 'leader'))
}

describe('scheduler.run across three processes', () => {
  it('fires each boundary exactly once, and a standby takes over within the TTL when the leader is killed', async () => {
    const file = tempDbPath()
    // Register here first and read the first boundary before any runner exists: a leader may fire
    // before the last child is ready. The children re-register the same definitions, which must
    // not move next_fire_at (the upstream re-register gap).
    const setup = open(file)
    for (const task of TASKS) setup.scheduler().add(task)
    setup.close()
    const raw = new Sqlite(file)
    onCleanup(() => raw.close())
    const firstNext = Object.fromEntries(
      (raw.prepare('SELECT name, next_fire_at FROM _honker_scheduler_tasks').all() as { name: string; next_fire_at: number }[]).map((row) => [row.name, row.next_fire_at]),
    )
    const config = { db: file, tasks: TASKS, lockTtlS: LOCK_TTL_S, standbyRetryS: 1 }
    const children = [0, 1, 2].map(() => spawnFixture('scheduler-runner.mjs', config))
    await Promise.all(children.map((child) => child.waitFor((m) => m.event === 'ready')))

    await sleep(10_000)

    // One leader, two standbys; the standbys fired nothing.
    const leaders = leaderOf(children)
    expect(leaders).toHaveLength(1)
    const leader = leaders[0]!
    const standbys = children.filter((child) => child !== leader)
    for (const child of standbys) {
      expect(child.messages.some((m) => m.event === 'standby')).toBe(true)
      expect(child.messages.filter((m) => m.event === 'fired')).toEqual([])
    }
    for (const task of TASKS) {
      const boundaries = firedOf(children).filter((fired) => fired.name === task.name).map((fired) => fired.fireAt)
      expect(boundaries.length).toBeGreaterThanOrEqual(8)
      // No duplicates, no gaps: consecutive seconds.
      expect(boundaries).toEqual(Array.from({ length: boundaries.length }, (_, i) => boundaries[0]! + i))
    }

    // Kill the leader without letting it release the lock.
    const killedAt = Date.now()
    leader.process.kill('SIGKILL')
    await leader.exited
    const takeover = await Promise.race(standbys.map((child) => child.waitFor((m) => m.event === 'leader', 15_000)))
    const takeoverMs = (takeover.t as number) - killedAt
    // The dead leader's lease runs out within the TTL (plus the second it was renewed in).
    expect(takeoverMs).toBeLessThanOrEqual((LOCK_TTL_S + 1) * 1000 + 500)
    const newLeader = standbys.find((child) => child.process.pid === takeover.pid)!

    await sleep(4_000)
    for (const child of standbys) child.process.kill('SIGTERM')
    await Promise.all(standbys.map((child) => child.exited))
    for (const child of standbys) expect(child.messages.at(-1)?.event).toBe('stopped')
    for (const child of children) expect(child.messages.filter((m) => m.event === 'error')).toEqual([])
    // Only the new leader fired after the takeover; the other standby never fired at all.
    for (const child of standbys.filter((c) => c !== newLeader)) expect(child.messages.filter((m) => m.event === 'fired')).toEqual([])
    expect(newLeader.messages.some((m) => m.event === 'fired')).toBe(true)

    const lock = raw.prepare(`SELECT * FROM _honker_locks`).all()
    expect(lock).toEqual([]) // the last leader released it on SIGTERM

    for (const task of TASKS) {
      const reported = firedOf(children).filter((fired) => fired.name === task.name)
      const boundaries = reported.map((fired) => fired.fireAt).sort((a, b) => a - b)
      expect(new Set(boundaries).size).toBe(boundaries.length) // no boundary reported twice
      const jobs = raw.prepare(`SELECT id, created_at FROM _honker_live WHERE queue = ? ORDER BY id`).all(task.queue) as { id: number; created_at: number }[]
      const { next_fire_at: lastNext } = raw.prepare(`SELECT next_fire_at FROM _honker_scheduler_tasks WHERE name = ?`).get(task.name) as { next_fire_at: number }
      // Every boundary from the first to the last fired exactly once, through the failover: a
      // duplicate would add a job without advancing next_fire_at, a gap would advance it without one.
      expect(jobs).toHaveLength(lastNext - firstNext[task.name]!)
      expect(boundaries[0]).toBe(firstNext[task.name])
      // The boundaries missed while no one led were caught up by the new leader, late but once.
      const createdAt = new Map(jobs.map((job) => [job.id, job.created_at]))
      const caughtUp = reported.filter((fired) => fired.pid === newLeader.process.pid && createdAt.get(fired.jobId)! - fired.fireAt >= 2)
      expect(caughtUp.length).toBeGreaterThanOrEqual(1)
    }
  })
})
