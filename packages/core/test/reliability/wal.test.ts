import { statSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import Sqlite, { TEST_DRIVER } from '../sqlite.ts'
import { onCleanup, sleep, tempDbPath } from '../helpers.ts'

/**
 * SQLite's classic production failure: a connection that keeps a read transaction open pins the
 * WAL, checkpoints cannot finish, and the WAL grows without bound. Honker's watcher, workers,
 * listeners and stream followers read all the time; none may hold a read transaction while it
 * waits. A TRUNCATE checkpoint is the proof: it succeeds (and empties the WAL file) only when no
 * connection has a snapshot open.
 */

interface CheckpointRow {
  busy: number
  log: number
  checkpointed: number
}

function walBytes(file: string): number {
  try {
    return statSync(`${file}-wal`).size
  } catch {
    return 0
  }
}

describe('the WAL stays bounded under Honker’s readers', () => {
  it('checkpoints finish while a worker, a listener, a stream follower and the scheduler run; an application read transaction is what pins the WAL', async () => {
    const file = tempDbPath()
    const db = open(file, { driver: TEST_DRIVER })
    onCleanup(() => db.close())
    const controller = new AbortController()
    const { signal } = controller
    const queue = db.queue('wal')
    let handled = 0
    const worker = queue.work(() => void handled++, { concurrency: 2, signal })
    let notified = 0
    const listening = (async () => {
      for await (const _ of db.listen('wal', { signal })) notified++
    })()
    let followed = 0
    const following = (async () => {
      for await (const _ of db.stream('wal').subscribe({ consumer: 'follower', signal, saveEveryN: 50 })) followed++
    })()
    db.scheduler().add({ name: 'tick', queue: 'wal', schedule: '@every 1s' })
    const scheduler = db.scheduler().run({ signal, owner: 'wal-test' })

    let producing = true
    const produce = async (): Promise<void> => {
      for (let i = 0; producing; i++) {
        db.transaction((tx) => {
          queue.enqueue({ i }, { tx })
          db.notify('wal', { i }, { tx })
          db.stream('wal').publish({ i }, { tx })
        })
        await sleep(1)
      }
    }

    const checkpointer = new Sqlite(file)
    onCleanup(() => checkpointer.close())
    checkpointer.pragma('busy_timeout = 5000')
    const checkpoint = (mode: 'TRUNCATE' | 'PASSIVE'): CheckpointRow => (checkpointer.pragma(`wal_checkpoint(${mode})`) as CheckpointRow[])[0]!
    const truncate = (): CheckpointRow => checkpoint('TRUNCATE')

    // 1. Under load, then parked: with every consumer waiting, nothing holds a snapshot.
    let production = produce()
    await sleep(1500)
    producing = false
    await production
    await sleep(300) // everyone catches up and parks
    expect(handled).toBeGreaterThan(100)
    expect(notified).toBeGreaterThan(100)
    expect(followed).toBeGreaterThan(100)
    expect(walBytes(file)).toBeGreaterThan(0)
    expect(truncate()).toEqual({ busy: 0, log: 0, checkpointed: 0 })
    expect(walBytes(file)).toBe(0)

    // 2. The application holds a read transaction: checkpoints cannot pass its snapshot and the
    // WAL keeps growing, while Honker goes on working (WAL readers do not block writers).
    const app = new Sqlite(file)
    onCleanup(() => app.close())
    app.exec('BEGIN')
    app.prepare('SELECT count(*) FROM _honker_live').get()
    const handledBefore = handled
    producing = true
    production = produce()
    await sleep(1000)
    producing = false
    await production
    await sleep(300)
    expect(handled).toBeGreaterThan(handledBefore + 100)
    checkpointer.pragma('busy_timeout = 200')
    expect(truncate().busy).toBe(1) // the symptom: the checkpoint cannot finish
    checkpointer.pragma('busy_timeout = 5000')
    const pinned = checkpoint('PASSIVE')
    expect(pinned.checkpointed).toBeLessThan(pinned.log) // frames after the app's snapshot stay in the WAL
    const grownTo = walBytes(file)
    expect(grownTo).toBeGreaterThan(0)

    // The remedy: end the read transaction; the next checkpoint empties the WAL.
    app.exec('COMMIT')
    expect(truncate()).toEqual({ busy: 0, log: 0, checkpointed: 0 })
    expect(walBytes(file)).toBe(0)

    controller.abort()
    await Promise.all([worker.done, listening, following, scheduler.done])
  })
})
