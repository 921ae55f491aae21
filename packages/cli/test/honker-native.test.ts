import { describe, expect, it } from 'vitest'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { onCleanup, runCli, startCli, tempDir, writeModule } from './helpers.ts'
import { nativeSkipReason, nativeSql } from './native.ts'

/**
 * A file created and filled by honker 0.5.1 itself (its Node binding, in a child process): two
 * pending jobs, a dead one, a stream with a consumer, a schedule.
 */
async function honkerFile(): Promise<{ dir: string; file: string; pending: number[]; dead: number }> {
  const dir = tempDir()
  const file = path.join(dir, 'honker.db')
  const enqueue = (queue: string, payload: string): { sql: string; params: unknown[] } => ({
    sql: 'SELECT honker_enqueue(?, ?, NULL, NULL, 0, 3, NULL) AS id',
    params: [queue, payload],
  })
  const [first, second, reported] = await nativeSql(file, [
    enqueue('emails', '{"to":"a@example.com"}'),
    enqueue('emails', '{"to":"b@example.com"}'),
    enqueue('reports', '{"report":1}'),
  ])
  const dead = reported![0]!.id as number
  await nativeSql(file, [
    { sql: 'SELECT honker_claim_batch(?, ?, ?, ?) AS rows', params: ['reports', 'native-worker', 1, 60] },
    { sql: 'SELECT honker_fail(?, ?, ?) AS ok', params: [dead, 'native-worker', 'native failure'] },
    { sql: 'SELECT honker_stream_publish(?, NULL, ?) AS o', params: ['orders', '{"n":1}'] },
    { sql: 'SELECT honker_stream_publish(?, NULL, ?) AS o', params: ['orders', '{"n":2}'] },
    { sql: 'SELECT honker_stream_publish(?, NULL, ?) AS o', params: ['orders', '{"n":3}'] },
    { sql: 'SELECT honker_stream_save_offset(?, ?, ?) AS ok', params: ['billing', 'orders', 1] },
    { sql: 'SELECT honker_scheduler_register(?, ?, ?, ?, ?, NULL) AS ok', params: ['nightly', 'reports', '0 3 * * *', 'null', 0] },
  ])
  return { dir, file, pending: [first![0]!.id as number, second![0]!.id as number], dead }
}

function schema(file: string): unknown[] {
  const connection = new Sqlite(file, { readonly: true })
  onCleanup(() => connection.close())
  return connection.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()
}

describe.skipIf(nativeSkipReason !== null)('on a database honker 0.5.1 created', () => {
  it('status reports honker\'s queues, dead jobs, stream consumers and schedules, leaving the file untouched', async () => {
    const { file, dead } = await honkerFile()
    const before = schema(file)
    const result = await runCli(['status', '--db', file, '--json'])
    expect(result.code, result.stderr).toBe(0)
    const status = JSON.parse(result.stdout)
    expect(status.queues).toEqual([
      { queue: 'emails', pending: 2, delayed: 0, processing: 0, dead: 0, oldestPendingS: expect.any(Number) },
      { queue: 'reports', pending: 0, delayed: 0, processing: 0, dead: 1, oldestPendingS: null },
    ])
    expect(status.streams).toEqual([{ topic: 'orders', events: 3, lastOffset: 3, consumers: [{ consumer: 'billing', offset: 1, lag: 2 }] }])
    expect(status.schedules).toEqual([
      { name: 'nightly', queue: 'reports', schedule: '0 3 * * *', nextFireAt: expect.any(Number), paused: false, priority: 0, maxAttempts: 3 },
    ])
    expect(schema(file)).toEqual(before)
    const list = await runCli(['dead', 'list', '--db', file, '--queue', 'reports', '--json'])
    expect(JSON.parse(list.stdout)).toMatchObject({ id: dead, payload: { report: 1 }, attempts: 1, lastError: 'native failure' })
  })

  it('dead retry redrives a job honker dead-lettered; honker claims it again under the same id', async () => {
    const { file, dead } = await honkerFile()
    const result = await runCli(['dead', 'retry', '--db', file, '--queue', 'reports', '--id', String(dead)])
    expect(result.code, result.stderr).toBe(0)
    const [[claimed]] = await nativeSql(file, [
      { sql: 'SELECT honker_claim_batch(?, ?, ?, ?) AS rows', params: ['reports', 'native-worker-2', 1, 60] },
    ]) as [[{ rows: string }]]
    expect(JSON.parse(claimed.rows)).toEqual([expect.objectContaining({ id: dead, attempts: 1, payload: '{"report":1}' })])
  })

  it('worker processes jobs honker enqueued', async () => {
    const { dir, file, pending } = await honkerFile()
    const handler = writeModule(dir, 'handlers.mjs', `export const emails = async (job) => job.payload.to`)
    const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler, '--results'])
    for (const id of pending) await worker.waitFor((m) => m.event === 'job:completed' && m.id === id)
    worker.process.kill('SIGTERM')
    expect((await worker.exited).code).toBe(0)
    const [[left], [result]] = await nativeSql(file, [
      { sql: `SELECT count(*) AS n FROM _honker_live WHERE queue = 'emails'` },
      { sql: 'SELECT honker_result_get(?) AS value', params: [pending[0]] },
    ]) as [[{ n: number }], [{ value: string }]]
    expect(left.n).toBe(0)
    expect(JSON.parse(result.value)).toBe('a@example.com')
  })
})
