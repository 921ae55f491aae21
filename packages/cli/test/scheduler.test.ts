import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { onCleanup, startCli, tempDbPath } from './helpers.ts'

describe('honker scheduler run', () => {
  it('takes the leader lock, fires due tasks as JSON lines, and releases the lock on SIGTERM', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    db.scheduler().add({ name: 'heartbeat', queue: 'pings', schedule: '@every 1s', payload: { ping: true } })
    db.scheduler().add({ name: 'paused', queue: 'pings', schedule: '@every 1s' })
    db.scheduler().pause('paused')

    const runner = startCli(['scheduler', 'run', '--db', file, '--owner', 'test-runner'])
    expect(await runner.waitFor((m) => m.event === 'scheduler:started')).toMatchObject({ owner: 'test-runner', tasks: 2 })
    await runner.waitFor((m) => m.event === 'leader:acquired')
    const fired = await runner.waitFor((m) => m.event === 'task:fired')
    expect(fired).toMatchObject({ name: 'heartbeat', queue: 'pings', fireAt: expect.any(Number), jobId: expect.any(Number) })
    const job = db.queue('pings').getJob(fired.jobId as number)
    expect(job).toMatchObject({ state: 'pending', payloadText: '{"ping":true}' })
    expect(db.lock('honker-scheduler', { ttlS: 60 }).acquire()).toBe(false)

    runner.process.kill('SIGTERM')
    expect(await runner.exited).toEqual({ code: 0, signal: null })
    expect(runner.messages.at(-1)).toMatchObject({ event: 'scheduler:stopped' })
    expect(runner.messages.filter((m) => m.event === 'task:fired').every((m) => m.name === 'heartbeat')).toBe(true)
    // Released on the way out: another process can lead at once.
    expect(db.lock('honker-scheduler', { ttlS: 60 }).acquire()).toBe(true)
  })

  it('stands by while another process leads', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    const held = db.lock('honker-scheduler', { ttlS: 60 })
    expect(held.acquire()).toBe(true)
    const runner = startCli(['scheduler', 'run', '--db', file])
    await runner.waitFor((m) => m.event === 'scheduler:standby')
    held.release()
    await runner.waitFor((m) => m.event === 'leader:acquired')
    runner.process.kill('SIGINT')
    expect((await runner.exited).code).toBe(0)
  })
})
