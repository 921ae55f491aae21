import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { open as openSqlite } from '@honker/core'
import { copyFromSqlite, open } from '../src/index.ts'
import { codeOf, freshDatabase, freshSchema, postgresUrl, testPool } from './support/pg.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'honker-copy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

/** An app's SQLite file with a bit of everything Honker keeps. */
function sqliteApp() {
  const file = path.join(dir, `app-${++files}.db`)
  const db = openSqlite(file)
  const q = db.queue('emails', { maxAttempts: 2 })
  const [first, second] = q.enqueueMany([{ n: 1 }, { n: 2 }])
  const delayed = q.enqueue({ n: 3 }, { delayS: 3600, priority: 7 })
  const claimed = q.claimOne('sqlite-worker')! // running on SQLite when the app moved
  const poisoned = q.enqueue({ n: 4 })
  q.cancel(poisoned)
  const doomed = q.enqueue('doomed', { priority: 99 })
  q.claimOne('w')!.fail('broken')
  const stream = db.stream('orders')
  const offsets = ['a', 'b', 'c'].map((payload) => stream.publish(payload, { key: payload }))
  stream.saveOffset('billing', offsets[1]!)
  db.scheduler().add({ name: 'nightly', queue: 'reports', schedule: '0 3 * * *', payload: { kind: 'daily' } })
  db.saveResult(first!, { ok: true })
  q.setConcurrency(5)
  db.queue('reports').pause()
  return { file, db, ids: { first: first!, second: second!, delayed, claimed: claimed.id, doomed }, offsets }
}

describe('copyFromSqlite: moving an app from SQLite to PostgreSQL', () => {
  it('copies jobs (claimed ones back to pending), dead letters, streams, offsets, schedules and results under their ids', async () => {
    const app = sqliteApp()
    const target = await freshDatabase()
    const report = await copyFromSqlite(app.db, target)
    expect(report).toEqual({ jobs: 3, deadJobs: 1, events: 3, consumers: 1, schedules: 1, results: 1, queueSettings: 2, history: 0 })
    expect(await target.queue('emails').settings()).toMatchObject({ paused: false, concurrency: 5, groupConcurrency: null })
    expect(await target.queue('reports').isPaused()).toBe(true)
    const q = target.queue('emails', { maxAttempts: 2 })
    const counts = await q.counts()
    expect(counts).toEqual({ pending: 2, delayed: 1, processing: 0, dead: 1 })
    const claimed = await q.claimBatch('pg-worker', 10)
    expect(claimed.map((job) => [job.id, job.payload, job.attempts])).toEqual([
      [app.ids.first, { n: 1 }, 1],
      [app.ids.second, { n: 2 }, 1],
    ])
    expect((await q.getJob(app.ids.delayed))!.priority).toBe(7)
    expect((await q.getJob(app.ids.doomed))!.lastError).toBe('broken')
    const stream = target.stream('orders')
    expect((await stream.readSince(0, 10)).map((event) => [event.offset, event.payload, event.key])).toEqual(
      app.offsets.map((offset, i) => [offset, ['a', 'b', 'c'][i], ['a', 'b', 'c'][i]]),
    )
    expect(await stream.getOffset('billing')).toBe(app.offsets[1])
    expect((await target.scheduler().list()).map((task) => task.name)).toEqual(['nightly'])
    expect(await target.getResult(app.ids.first)).toEqual({ found: true, value: { ok: true } })
    // New ids and offsets continue past the copied ones.
    expect(await q.enqueue({ n: 5 })).toBeGreaterThan(Math.max(...Object.values(app.ids)))
    expect(await stream.publish('d')).toBe(app.offsets[2]! + 1)
    app.db.close()
  })

  it('refuses a schema that already holds jobs, and writes nothing', async () => {
    const app = sqliteApp()
    const target = await freshDatabase()
    await target.queue('other').enqueue(1)
    expect(await codeOf(copyFromSqlite(app.db, target))).toBe('invalid_argument')
    expect((await target.stream('orders').readSince(0, 10)).length).toBe(0)
    app.db.close()
  })

  it('honker-postgres copy-from-sqlite does the same from the command line', async () => {
    const app = sqliteApp()
    app.db.close()
    const schema = freshSchema()
    const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'honker-postgres.mjs')
    const run = spawnSync(process.execPath, [bin, 'copy-from-sqlite', app.file, '--url', postgresUrl(), '--schema', schema], { encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toMatchObject({ jobs: 3, deadJobs: 1, events: 3 })
    const target = await open({ postgres: testPool(), schema })
    expect((await target.queue('emails').counts()).pending).toBe(2)
    target.close()
    const again = spawnSync(process.execPath, [bin, 'copy-from-sqlite', app.file, '--url', postgresUrl(), '--schema', schema], { encoding: 'utf8' })
    expect([again.status, again.stderr]).toEqual([1, expect.stringContaining('invalid_argument')])
    expect(spawnSync(process.execPath, [bin, 'copy-from-sqlite'], { encoding: 'utf8' }).status).toBe(2)
  })
})
