import { describe, expect, it } from 'vitest'
import Sqlite from 'better-sqlite3'
import { open } from '@honker/core'
import { onCleanup, runCli, tempDbPath } from './helpers.ts'

/** A database whose `emails` queue has dead jobs (and `other` one), each failed with its own error. */
function withDeadJobs(file: string, count: number): number[] {
  const db = open(file)
  try {
    const emails = db.queue('emails')
    const ids = emails.enqueueMany(Array.from({ length: count }, (_, n) => ({ n })), { maxAttempts: 4, priority: 2 })
    for (const job of emails.claimBatch('w', count)) job.fail(new Error(`smtp said no to ${job.id}`))
    const other = db.queue('other')
    other.enqueue({ other: true })
    other.claimOne('w')!.fail('other failure')
    return ids
  } finally {
    db.close()
  }
}

function rows(file: string, table: '_honker_live' | '_honker_dead'): Record<string, unknown>[] {
  const connection = new Sqlite(file, { readonly: true })
  onCleanup(() => connection.close())
  return connection.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Record<string, unknown>[]
}

describe('honker dead', () => {
  it('lists dead jobs with their last error, as a table and as JSON lines, a page at a time', async () => {
    const file = tempDbPath()
    const ids = withDeadJobs(file, 3)
    const table = await runCli(['dead', 'list', '--db', file, '--queue', 'emails'])
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^id\s+attempts\s+died\s+last error\s+payload$/)
    expect(lines.slice(1)).toHaveLength(3)
    expect(lines[1]).toMatch(new RegExp(`^\\s*${ids[0]}\\s+1/4\\s+\\d+s ago\\s+smtp said no to ${ids[0]}\\s+\\{"n":0\\}$`))

    const json = await runCli(['dead', 'list', '--db', file, '--queue', 'emails', '--json', '--limit', '2'])
    const jobs = json.stdout.trimEnd().split('\n').map((line) => JSON.parse(line))
    expect(jobs.map((job) => job.id)).toEqual(ids.slice(0, 2))
    expect(jobs[0]).toMatchObject({ queue: 'emails', payload: { n: 0 }, attempts: 1, maxAttempts: 4, priority: 2, lastError: `smtp said no to ${ids[0]}` })
    const next = await runCli(['dead', 'list', '--db', file, '--queue', 'emails', '--json', '--after-id', String(ids[1])])
    expect(next.stdout.trimEnd().split('\n').map((line) => JSON.parse(line).id)).toEqual([ids[2]])

    const page = await runCli(['dead', 'list', '--db', file, '--queue', 'emails', '--limit', '1'])
    expect(page.stdout).toContain(`1 of 3 shown; next page: --after-id ${ids[0]}`)
    const empty = await runCli(['dead', 'list', '--db', file, '--queue', 'nothing-here'])
    expect(empty).toMatchObject({ code: 0, stdout: 'no dead jobs in queue nothing-here\n' })
  })

  it('retry moves jobs back as pending under the same id, attempts reset, due now', async () => {
    const file = tempDbPath()
    const [a, b, c] = withDeadJobs(file, 3)
    const before = Math.floor(Date.now() / 1000)
    const result = await runCli(['dead', 'retry', '--db', file, '--queue', 'emails', '--id', String(c), '--id', `${a}`])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toBe(`retried 2 job(s) back to queue emails as pending: ${a}, ${c}\n`)
    const live = rows(file, '_honker_live')
    expect(live.map((row) => row.id)).toEqual([a, c])
    expect(live[0]).toMatchObject({ queue: 'emails', state: 'pending', attempts: 0, max_attempts: 4, priority: 2, payload: '{"n":0}', worker_id: null })
    expect(live[0]!.run_at as number).toBeGreaterThanOrEqual(before)
    expect(rows(file, '_honker_dead').map((row) => row.id)).toEqual([b, expect.any(Number)])

    // The redriven job is an ordinary job again: a worker claims it under its old id.
    const db = open(file)
    onCleanup(() => db.close())
    const job = db.queue('emails').claimOne('w2')!
    expect([a, c]).toContain(job.id)
    expect(job.attempts).toBe(1)
  })

  it('changes nothing when any --id is not a dead job of the queue', async () => {
    const file = tempDbPath()
    const [a] = withDeadJobs(file, 2)
    const otherId = rows(file, '_honker_dead').find((row) => row.queue === 'other')!.id as number
    for (const action of ['retry', 'delete']) {
      const result = await runCli(['dead', action, '--db', file, '--queue', 'emails', '--id', `${a},${otherId},999`])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(`honker: no dead job ${otherId}, 999 in queue emails; nothing was changed (job_not_found)\n`)
    }
    expect(rows(file, '_honker_dead')).toHaveLength(3)
    expect(rows(file, '_honker_live')).toHaveLength(0)
  })

  it('retry --all and delete --all act on the one queue, with JSON output', async () => {
    const file = tempDbPath()
    const ids = withDeadJobs(file, 3)
    const retried = await runCli(['dead', 'retry', '--db', file, '--queue', 'emails', '--all', '--json'])
    expect(JSON.parse(retried.stdout)).toEqual({ queue: 'emails', retried: ids })
    expect(rows(file, '_honker_live').map((row) => row.id)).toEqual(ids)
    const again = await runCli(['dead', 'retry', '--db', file, '--queue', 'emails', '--all'])
    expect(again).toMatchObject({ code: 0, stdout: 'no dead jobs in queue emails\n' })
    const deleted = await runCli(['dead', 'delete', '--db', file, '--queue', 'other', '--all', '--json'])
    expect(JSON.parse(deleted.stdout)).toEqual({ queue: 'other', deleted: [expect.any(Number)] })
    expect(rows(file, '_honker_dead')).toHaveLength(0)
  })

  it('delete removes only the given ids', async () => {
    const file = tempDbPath()
    const [a, b] = withDeadJobs(file, 2)
    const result = await runCli(['dead', 'delete', '--db', file, '--queue', 'emails', '--id', String(b)])
    expect(result).toMatchObject({ code: 0, stdout: `deleted 1 job(s) from the dead letters of emails: ${b}\n` })
    expect(rows(file, '_honker_dead').filter((row) => row.queue === 'emails').map((row) => row.id)).toEqual([a])
    expect(rows(file, '_honker_live')).toHaveLength(0)
  })
})
