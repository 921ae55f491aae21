import { describe, expect, it } from 'vitest'
import { open, type WatcherOptions } from '@honker/core'
import { onCleanup, sleep, spawnFixture, tempDbPath, type Child } from './helpers.ts'

/** Every wake must come from the watcher: the worker's fallback poll is off, the watcher's is an hour. */
const WAKE_ONLY: [string, WatcherOptions][] = [
  ['file events', { mode: 'events', fallbackIntervalMs: 3_600_000 }],
  ['1 ms data_version poll', { mode: 'poll', pollIntervalMs: 1 }],
  // File events off: the slow fallback check alone must still carry every commit, only later.
  ['fallback check only (file events off)', { mode: 'events', fileEvents: false, fallbackIntervalMs: 100 }],
]

function openDb(file: string) {
  const db = open(file)
  onCleanup(() => db.close())
  return db
}

async function stop(child: Child): Promise<void> {
  child.process.kill('SIGTERM')
  const exit = await child.exited
  expect(exit, child.stderr()).toEqual({ code: 0, signal: null })
}

describe.each(WAKE_ONLY)('cross-process wake (%s)', (_name, watcher) => {
  it('a commit in this process wakes an idle worker in another', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const emails = db.queue('emails')
    const worker = spawnFixture('worker.mjs', { db: file, queue: 'emails', fallbackPollMs: null, watcher })
    await worker.waitFor((m) => m.event === 'ready')
    await sleep(300) // the worker has found nothing and is parked on its subscription
    const ids: number[] = []
    for (let i = 0; i < 5; i++) {
      ids.push(db.transaction((tx) => emails.enqueue({ i }, { tx })))
      await worker.waitFor((m) => m.event === 'acked' && m.id === ids[i])
      await sleep(20)
    }
    await stop(worker)
    expect(emails.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
  })

  it('a delayed job runs at its time in another process with no other commit', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const worker = spawnFixture('worker.mjs', { db: file, queue: 'later', fallbackPollMs: null, watcher })
    await worker.waitFor((m) => m.event === 'ready')
    const committedAt = Date.now()
    const id = db.queue('later').enqueue('tick', { delayS: 2 })
    const started = await worker.waitFor((m) => m.event === 'started' && m.id === id, 10_000)
    await stop(worker)
    expect(started.t as number).toBeGreaterThanOrEqual((Math.floor(committedAt / 1000) + 2) * 1000)
  })
})

describe('cross-process workers', () => {
  it('two worker processes drain 10,000 jobs: each acked exactly once, none lost', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const q = db.queue('drain')
    const workers = [0, 1].map(() => spawnFixture('worker.mjs', { db: file, queue: 'drain', concurrency: 4, fallbackPollMs: null }))
    await Promise.all(workers.map((w) => w.waitFor((m) => m.event === 'ready')))
    const ids: number[] = []
    for (let batch = 0; batch < 100; batch++) {
      ids.push(...q.enqueueMany(Array.from({ length: 100 }, (_, i) => ({ n: batch * 100 + i }))))
      if (batch % 10 === 0) await sleep(1) // let the workers run while producing
    }
    const acked = () => workers.reduce((sum, w) => sum + w.messages.filter((m) => m.event === 'acked').length, 0)
    const deadline = Date.now() + 120_000
    while (acked() < ids.length && Date.now() < deadline) await sleep(50)
    await Promise.all(workers.map(stop))

    const ackedIds = workers.flatMap((w) => w.messages.filter((m) => m.event === 'acked').map((m) => m.id as number))
    const startedIds = workers.flatMap((w) => w.messages.filter((m) => m.event === 'started').map((m) => m.id as number))
    expect(ackedIds.length).toBe(10_000)
    expect(new Set(ackedIds).size).toBe(10_000)
    expect([...ackedIds].sort((a, b) => a - b)).toEqual(ids)
    expect(startedIds.length).toBe(10_000) // no job ran twice
    for (const w of workers) expect(w.messages.filter((m) => m.event === 'acked').length).toBeGreaterThan(0)
    expect(q.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
  })

  it('kill -9 mid-job: reclaimed after the visibility timeout, attempts counted, then dead-lettered', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const q = db.queue('fragile', { visibilityTimeoutS: 1, maxAttempts: 2 })
    const config = { db: file, queue: 'fragile', behaviour: 'hang', visibilityTimeoutS: 1, maxAttempts: 2, fallbackPollMs: null, heartbeatIntervalMs: 60_000 }
    const id = q.enqueue({ order: 7 })

    const first = spawnFixture('worker.mjs', config)
    expect(await first.waitFor((m) => m.event === 'started')).toMatchObject({ id, attempts: 1 })
    first.process.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    expect(q.getJob(id)).toMatchObject({ state: 'processing', attempts: 1 })

    // A fresh worker reclaims it once the dead worker's claim lapses, and counts the attempt.
    const second = spawnFixture('worker.mjs', config)
    expect(await second.waitFor((m) => m.event === 'started', 10_000)).toMatchObject({ id, attempts: 2 })
    second.process.kill('SIGKILL')
    await second.exited

    // Its last attempt is gone too: the next claim after the lapse dead-letters it.
    const claimExpiresAt = q.getJob(id)!.claimExpiresAt!
    await sleep(Math.max(0, (claimExpiresAt + 1) * 1000 - Date.now()) + 50)
    expect(q.claimOne('survivor')).toBeNull()
    expect(q.getJob(id)).toMatchObject({ state: 'dead', attempts: 2, lastError: 'max attempts exceeded' })
  })
})
