import { describe, expect, it } from 'vitest'
import { copyFileSync, existsSync, renameSync } from 'node:fs'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { open } from '@honker/core'
import { onCleanup, runCli, startCli, tempDir, writeModule } from './helpers.ts'

function setup(): { dir: string; file: string; enqueue: (queue: string, payloads: unknown[], options?: { maxAttempts?: number }) => number[] } {
  const dir = tempDir()
  const file = path.join(dir, 'app.db')
  const enqueue = (queue: string, payloads: unknown[], options: { maxAttempts?: number } = {}): number[] => {
    const db = open(file)
    try {
      return db.queue(queue).enqueueMany(payloads, options)
    } finally {
      db.close()
    }
  }
  enqueue('warmup', [])
  return { dir, file, enqueue }
}

function live(file: string): Record<string, unknown>[] {
  const connection = new Sqlite(file, { readonly: true })
  onCleanup(() => connection.close())
  return connection.prepare('SELECT * FROM _honker_live ORDER BY id').all() as Record<string, unknown>[]
}

const events = (messages: Record<string, unknown>[], name: string): Record<string, unknown>[] =>
  messages.filter((message) => message.event === name)

describe('honker worker (JSON lines when stdout is not a terminal)', () => {
  it('runs the export named like the queue; ctx has the signal and the database; --results saves return values', async () => {
    const { dir, file, enqueue } = setup()
    const handler = writeModule(dir, 'handlers.mjs', `
      export default () => { throw new Error('the default export must not run when a named one matches') }
      export async function emails(job, ctx) {
        if (!(ctx.signal instanceof AbortSignal)) throw new Error('no signal')
        ctx.db.queue('audit').enqueue({ sent: job.payload.to })
        return { delivered: job.payload.to, queue: ctx.queue }
      }
    `)
    const ids = enqueue('emails', [{ to: 'a@example.com' }, { to: 'b@example.com' }])
    const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler, '--results', '--concurrency', '2'])
    await worker.waitFor((m) => m.event === 'job:completed' && m.id === ids[1])
    await worker.waitFor((m) => m.event === 'job:completed' && m.id === ids[0])
    worker.process.kill('SIGTERM')
    expect(await worker.exited).toEqual({ code: 0, signal: null })

    expect(worker.messages[0]).toMatchObject({ event: 'worker:started', queue: 'emails', concurrency: 2, handler, exportName: 'emails' })
    expect(events(worker.messages, 'job:started').map((m) => m.id).sort()).toEqual(ids)
    for (const completed of events(worker.messages, 'job:completed')) {
      expect(completed).toMatchObject({ attempt: 1, durationMs: expect.any(Number), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })
    }
    expect(worker.messages.at(-1)).toMatchObject({ event: 'worker:stopped', processed: 2, failed: 0, retried: 0, running: 0 })

    expect(live(file).map((row) => `${row.queue} ${row.payload}`).sort()).toEqual([
      'audit {"sent":"a@example.com"}',
      'audit {"sent":"b@example.com"}',
    ])
    const db = open(file)
    onCleanup(() => db.close())
    expect(db.getResult(ids[0]!)).toEqual({ found: true, value: { delivered: 'a@example.com', queue: 'emails' } })
  })

  it('falls back to the default export, and to a CommonJS exports object', async () => {
    const { dir, file, enqueue } = setup()
    const esm = writeModule(dir, 'default.mjs', `export default async (job) => { if (job.payload !== 'x') throw new Error('bad payload') }`)
    // Assigned through a variable, Node cannot see named exports: only `default` (module.exports).
    const cjs = writeModule(dir, 'handlers.cjs', `const handlers = {}; handlers.emails = async () => {}; module.exports = handlers`)
    for (const handler of [esm, cjs]) {
      const [id] = enqueue('emails', ['x'])
      const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler])
      await worker.waitFor((m) => m.event === 'job:completed' && m.id === id)
      expect(worker.messages[0]).toMatchObject({ exportName: handler === esm ? 'default' : 'default.emails' })
      worker.process.kill('SIGINT')
      expect((await worker.exited).code).toBe(0)
    }
    expect(live(file)).toEqual([])
  })

  it('reports retries and dead letters, and prints periodic status lines', async () => {
    const { dir, file, enqueue } = setup()
    const handler = writeModule(dir, 'failing.mjs', `export const emails = async (job) => { throw new Error('smtp down for ' + job.id) }`)
    const [retried] = enqueue('emails', [{ n: 1 }], { maxAttempts: 3 })
    const [dead] = enqueue('emails', [{ n: 2 }], { maxAttempts: 1 })
    const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler, '--status-interval', '0.2'])
    const retry = await worker.waitFor((m) => m.event === 'job:retried')
    const died = await worker.waitFor((m) => m.event === 'job:dead')
    expect(retry).toMatchObject({ id: retried, attempt: 1, maxAttempts: 3, delayS: expect.any(Number), error: `smtp down for ${retried}` })
    expect(retry.delayS as number).toBeGreaterThan(0)
    expect(died).toMatchObject({ id: dead, attempt: 1, maxAttempts: 1, error: `smtp down for ${dead}` })
    const status = await worker.waitFor((m) => m.event === 'status' && m.failed === 1 && m.retried === 1)
    expect(status).toMatchObject({ processed: 0, running: 0, concurrency: 1, rate: 0 })
    worker.process.kill('SIGTERM')
    expect((await worker.exited).code).toBe(0)
    const [row] = live(file)
    expect(row).toMatchObject({ id: retried, state: 'pending', attempts: 1 })
    const deadRows = await runCli(['dead', 'list', '--db', file, '--queue', 'emails', '--json'])
    expect(JSON.parse(deadRows.stdout)).toMatchObject({ id: dead, lastError: `smtp down for ${dead}` })
  })

  it('on SIGTERM lets the running job finish and acks it, then exits 0', async () => {
    const { dir, file, enqueue } = setup()
    const handler = writeModule(dir, 'slow.mjs', `
      export const emails = async (job) => {
        await new Promise((resolve) => setTimeout(resolve, 1500))
        return 'done'
      }
    `)
    const [id, second] = enqueue('emails', [{ n: 1 }, { n: 2 }])
    const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler])
    await worker.waitFor((m) => m.event === 'job:started' && m.id === id)
    worker.process.kill('SIGTERM')
    expect(await worker.exited).toEqual({ code: 0, signal: null })
    const order = worker.messages.map((m) => m.event)
    expect(order.indexOf('worker:stopping')).toBeLessThan(order.indexOf('job:completed'))
    expect(worker.messages.find((m) => m.event === 'worker:stopping')).toMatchObject({ signal: 'SIGTERM', running: 1 })
    expect(worker.messages.find((m) => m.event === 'job:completed')).toMatchObject({ id })
    expect(worker.messages.at(-1)).toMatchObject({ event: 'worker:stopped', processed: 1, released: 0 })
    // The first job is gone (acked); the second was never claimed.
    expect(live(file)).toEqual([expect.objectContaining({ id: second, state: 'pending', attempts: 0, worker_id: null })])
  })

  it('on SIGTERM releases a job still running after --shutdown-timeout, so it is not stuck', async () => {
    const { dir, file, enqueue } = setup()
    const handler = writeModule(dir, 'stuck.mjs', `export const emails = () => new Promise(() => {}) // never settles, ignores its signal`)
    const [id] = enqueue('emails', [{ n: 1 }])
    const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler, '--shutdown-timeout', '0.5'])
    await worker.waitFor((m) => m.event === 'job:started' && m.id === id)
    expect(live(file)[0]).toMatchObject({ state: 'processing', attempts: 1 })
    const signalledAt = Date.now()
    worker.process.kill('SIGTERM')
    expect(await worker.exited).toEqual({ code: 0, signal: null })
    expect(Date.now() - signalledAt).toBeLessThan(10_000)
    expect(worker.messages.find((m) => m.event === 'job:released')).toMatchObject({ id })
    expect(worker.messages.at(-1)).toMatchObject({ event: 'worker:stopped', released: 1, processed: 0 })
    // Back in the queue at once, the interrupted attempt not counted.
    expect(live(file)).toEqual([expect.objectContaining({ id, state: 'pending', attempts: 0, worker_id: null, claim_expires_at: null })])
  })

  it('a second signal releases running jobs at once and exits 130', async () => {
    const { dir, file, enqueue } = setup()
    const handler = writeModule(dir, 'stuck.mjs', `export const emails = () => new Promise(() => {})`)
    const [id] = enqueue('emails', [{ n: 1 }])
    const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler, '--shutdown-timeout', '120'])
    await worker.waitFor((m) => m.event === 'job:started' && m.id === id)
    worker.process.kill('SIGTERM')
    await worker.waitFor((m) => m.event === 'worker:stopping')
    worker.process.kill('SIGINT')
    expect((await worker.exited).code).toBe(130)
    expect(worker.messages.find((m) => m.event === 'worker:forced')).toMatchObject({ released: [id] })
    expect(live(file)).toEqual([expect.objectContaining({ id, state: 'pending', attempts: 0, worker_id: null })])
  })

  it('exits 1 with one line when the database file is replaced under it', async () => {
    const { dir, file } = setup()
    const handler = writeModule(dir, 'noop.mjs', `export default () => {}`)
    const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler])
    // The first status line comes after the worker subscribed to commits (and noted the file's identity).
    await worker.waitFor((m) => m.event === 'status')
    const copy = path.join(dir, 'copy.db')
    copyFileSync(file, copy)
    renameSync(copy, file)
    const { code } = await worker.exited
    expect(code).toBe(1)
    expect(worker.stderr()).toMatch(/^honker: .+ \(database_replaced\)\n$/)
  })

  it('fails on a handler that cannot be found or loaded before it opens the database', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'never-created.db')
    const cases: [string, RegExp][] = [
      [path.join(dir, 'missing.mjs'), /^honker: no handler module at .*missing\.mjs \(check --handler\) \(handler_not_found\)\n$/],
      [writeModule(dir, 'wrong.mjs', 'export const other = () => {}'), /has no function exported as "emails" or as the default export \(it exports: other\) \(handler_not_found\)\n$/],
      [writeModule(dir, 'broken.mjs', 'export const emails = () => {'), /^honker: cannot load the handler module .*broken\.mjs: .+ \(handler_load_failed\)\n$/],
      [writeModule(dir, 'typed.ts', 'export const emails = (job: unknown): void => {}'), /TypeScript handler .*NODE_OPTIONS='--import tsx'.*\(handler_load_failed\)\n$/],
    ]
    for (const [handler, expected] of cases) {
      const result = await runCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler])
      expect(result.code, handler).toBe(1)
      expect(result.stderr).toMatch(expected)
    }
    expect(existsSync(file)).toBe(false)
  })
})
