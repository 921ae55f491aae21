import { describe, expect, it } from 'vitest'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { open, type Database } from '@honker/core'
import { onCleanup, startCli, tempDbPath, tempDir, writeModule, type LiveCli } from './helpers.ts'

// `honker worker | head -1`, or a log shipper that restarts: the command's stdout pipe loses its
// reader and the next write fails with EPIPE. The command must stop as it does on SIGTERM (no job
// left claimed, no stream event acked that was not written), then exit with EXIT_OUTPUT_CLOSED
// and one line on stderr.

const EXIT_OUTPUT_CLOSED = 141

function openDb(file = tempDbPath()): { db: Database; file: string } {
  const db = open(file)
  onCleanup(() => db.close())
  return { db, file }
}

function live(file: string): Record<string, unknown>[] {
  const connection = new Sqlite(file, { readonly: true })
  onCleanup(() => connection.close())
  return connection.prepare('SELECT * FROM _honker_live ORDER BY id').all() as Record<string, unknown>[]
}

/** Close the reading end of the command's stdout, as `head` does when it has its lines. */
function closeReader(cli: LiveCli): void {
  cli.process.stdout!.destroy()
}

function lastStderrLine(cli: LiveCli): string {
  return cli.stderr().trimEnd().split('\n').at(-1)!
}

describe('a closed stdout (EPIPE)', () => {
  it('worker: stops gracefully, finishing running jobs and releasing the rest; no job stays processing', async () => {
    const dir = tempDir()
    const { db, file } = openDb(path.join(dir, 'app.db'))
    const handler = writeModule(dir, 'slow.mjs', `
      export const emails = async (job) => {
        if (job.payload.hang) return new Promise(() => {}) // ignores its signal: released at the shutdown timeout
        await new Promise((resolve) => setTimeout(resolve, job.payload.ms))
      }
    `)
    const [slow, hung, third] = db.queue('emails').enqueueMany([{ ms: 1500 }, { hang: true }, { ms: 0 }]) as [number, number, number]
    const worker = startCli([
      'worker', '--db', file, '--queue', 'emails', '--handler', handler,
      '--concurrency', '2', '--shutdown-timeout', '2', '--status-interval', '0.2',
    ])
    await worker.waitFor((m) => m.event === 'worker:started')
    closeReader(worker)
    const startedMs = Date.now()
    expect(await worker.exited).toEqual({ code: EXIT_OUTPUT_CLOSED, signal: null })
    expect(Date.now() - startedMs).toBeLessThan(10_000)
    expect(worker.stderr()).toMatch(
      /^honker: stdout closed \(EPIPE\); the worker stopped: \d+ job\(s\) processed, 1 released back to the queue \(output_closed\)\n$/,
    )
    const rows = live(file)
    expect(rows.filter((row) => row.state === 'processing')).toEqual([])
    // The slow job was let finish and acked; the hung one was handed back with its attempt.
    expect(rows.map((row) => row.id)).not.toContain(slow)
    expect(rows.find((row) => row.id === hung)).toMatchObject({ state: 'pending', attempts: 0, worker_id: null, claim_expires_at: null })
    for (const row of rows) expect(row).toMatchObject({ state: 'pending', attempts: 0, worker_id: null })
    expect(rows.map((row) => row.id).filter((id) => id !== hung && id !== third)).toEqual([])
  })

  it('tail --consumer: stops without acking the event it could not write', async () => {
    const { db, file } = openDb()
    const orders = db.stream('orders')
    const first = orders.publish({ n: 1 })
    const tail = startCli(['tail', '--db', file, '--stream', 'orders', '--consumer', 'archive', '--from', '0'])
    await tail.waitFor((m) => m.offset === first)
    closeReader(tail)
    orders.publish({ n: 2 })
    expect(await tail.exited).toEqual({ code: EXIT_OUTPUT_CLOSED, signal: null })
    expect(lastStderrLine(tail)).toBe('honker: stdout closed (EPIPE); tail stopped (output_closed)')
    // Offset 1 was written and saved; offset 2 was not written, so the consumer gets it next time.
    expect(orders.getOffset('archive')).toBe(first)
  })

  it('tail --channel: stops on the next notification', async () => {
    const { db, file } = openDb()
    const tail = startCli(['tail', '--db', file, '--channel', 'orders'])
    await tail.waitForStderr('following channel')
    db.notify('orders', { n: 1 })
    await tail.waitFor((m) => m.channel === 'orders')
    closeReader(tail)
    db.notify('orders', { n: 2 })
    expect(await tail.exited).toEqual({ code: EXIT_OUTPUT_CLOSED, signal: null })
    expect(lastStderrLine(tail)).toBe('honker: stdout closed (EPIPE); tail stopped (output_closed)')
  })

  it('scheduler run: stops and releases the leader lock', async () => {
    const { db, file } = openDb()
    db.scheduler().add({ name: 'heartbeat', queue: 'pings', schedule: '@every 1s' })
    const runner = startCli(['scheduler', 'run', '--db', file])
    await runner.waitFor((m) => m.event === 'leader:acquired')
    closeReader(runner)
    expect(await runner.exited).toEqual({ code: EXIT_OUTPUT_CLOSED, signal: null })
    expect(runner.stderr()).toBe('honker: stdout closed (EPIPE); the scheduler stopped (output_closed)\n')
    expect(db.lock('honker-scheduler', { ttlS: 60 }).acquire()).toBe(true)
  })
})
