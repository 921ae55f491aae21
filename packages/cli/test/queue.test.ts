import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { onCleanup, runCli, tempDbPath } from './helpers.ts'

describe('honker queue pause|resume|show', () => {
  it('pauses a queue for every process: a worker elsewhere gets no claim until resume', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    const emails = db.queue('emails')
    emails.enqueue({ to: 'a@example.com' })

    const paused = await runCli(['queue', 'pause', '--db', file, '--queue', 'emails'])
    expect(paused).toMatchObject({ code: 0, stdout: 'emails: paused\n', stderr: '' })
    expect(emails.isPaused()).toBe(true)
    expect(emails.claimOne('w')).toBeNull()

    emails.setConcurrency(3)
    const shown = await runCli(['queue', 'show', '--db', file, '--queue', 'emails', '--json'])
    expect(JSON.parse(shown.stdout)).toMatchObject({ queue: 'emails', paused: true, concurrency: 3, groupConcurrency: null, events: false })

    const resumed = await runCli(['queue', 'resume', '--db', file, '--queue', 'emails'])
    expect(resumed).toMatchObject({ code: 0, stdout: 'emails: running, concurrency 3\n' })
    expect(emails.claimOne('w')?.payload).toEqual({ to: 'a@example.com' })
  })

  it('refuses a missing --queue (usage) and a missing file, changing nothing', async () => {
    const file = tempDbPath()
    expect((await runCli(['queue', 'pause', '--db', file])).code).toBe(2)
    const missing = await runCli(['queue', 'pause', '--db', file, '--queue', 'emails'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/not_found|does not exist|no such/i)
  })
})
