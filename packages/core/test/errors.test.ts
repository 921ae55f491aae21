import { describe, expect, it } from 'vitest'
import Sqlite, { libraryHandle, TEST_DRIVER } from './sqlite.ts'
import { HonkerError, open, type Database } from '@honker/core'
import { onCleanup, tempDbPath } from './helpers.ts'

function fresh(): { db: Database; file: string } {
  const file = tempDbPath()
  const db = open(file)
  onCleanup(() => db.close())
  return { db, file }
}

function liveCount(file: string): number {
  const handle = new Sqlite(file, { readonly: true })
  try {
    return handle.prepare('SELECT count(*) FROM _honker_live').pluck().get() as number
  } finally {
    handle.close()
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    expect(HonkerError.isInstance(error)).toBe(true)
    return (error as HonkerError).code
  }
  return undefined
}

describe('bad input gets a coded HonkerError and writes nothing', () => {
  it.each([
    ['a BigInt', 10n],
    ['a cycle', (() => { const a: Record<string, unknown> = {}; a.self = a; return a })()],
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
  ])('rejects a payload that is %s', (_name, payload) => {
    const { db, file } = fresh()
    expect(codeOf(() => db.queue('q').enqueue(payload))).toBe('invalid_payload')
    expect(liveCount(file)).toBe(0)
  })

  it.each([
    ['delayS', { delayS: -1 }],
    ['delayS', { delayS: 1.5 }],
    ['delayS', { delayS: Number.NaN }],
    ['delayS', { delayS: '10' }],
    ['priority', { priority: 0.5 }],
    ['maxAttempts', { maxAttempts: 0 }],
    ['expiresS', { expiresS: -5 }],
    ['runAt', { runAt: new Date(Number.NaN) }],
    ['runAt', { runAt: -1 }],
    ['runAt', { runAt: new Date(Date.UTC(9999, 0, 1)) }],
  ])('rejects enqueue option %s = %o', (argument, options) => {
    const { db, file } = fresh()
    let caught: unknown
    try {
      db.queue('q').enqueue({ ok: true }, options as never)
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'invalid_argument', argument })
    expect(liveCount(file)).toBe(0)
  })

  it('refuses runAt in milliseconds with a message that says so, and takes seconds and Dates', () => {
    const { db, file } = fresh()
    const q = db.queue('q')
    let caught: unknown
    try {
      q.enqueue('late', { runAt: Date.now() + 60_000 })
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'invalid_argument', argument: 'runAt' })
    expect((caught as Error).message).toMatch(/milliseconds/)
    expect(liveCount(file)).toBe(0)
    const inAMinute = Math.floor(Date.now() / 1000) + 60
    expect(q.getJob(q.enqueue('s', { runAt: inAMinute }))).toMatchObject({ runAt: inAMinute })
    expect(q.getJob(q.enqueue('d', { runAt: new Date(inAMinute * 1000) }))).toMatchObject({ runAt: inAMinute })
  })

  it('rejects empty or non-string queue names and worker ids, and bad counts', () => {
    const { db } = fresh()
    expect(codeOf(() => db.queue(''))).toBe('invalid_argument')
    expect(codeOf(() => db.queue(42 as never))).toBe('invalid_argument')
    const q = db.queue('q')
    expect(codeOf(() => q.claimBatch('', 1))).toBe('invalid_argument')
    expect(codeOf(() => q.claimBatch('w', 0))).toBe('invalid_argument')
    expect(codeOf(() => q.claimBatch('w', -1))).toBe('invalid_argument')
    expect(codeOf(() => q.claimBatch('w', 2.5))).toBe('invalid_argument')
    expect(codeOf(() => db.queue('q', { visibilityTimeoutS: 0 }))).toBe('invalid_argument')
    expect(codeOf(() => db.queue('q', { maxAttempts: -3 }))).toBe('invalid_argument')
    expect(codeOf(() => q.work(() => {}, { concurrency: 0 }))).toBe('invalid_argument')
    expect(codeOf(() => q.work('nope' as never))).toBe('invalid_argument')
    q.enqueue(1)
    const job = q.claimOne('w')!
    expect(codeOf(() => job.retry({ delayS: -1 }))).toBe('invalid_argument')
    expect(codeOf(() => job.heartbeat(0))).toBe('invalid_argument')
    expect(q.getJob(job.id)?.state).toBe('processing')
  })

  it('refuses payloads over maxPayloadBytes at every writer, writing nothing', () => {
    const file = tempDbPath()
    const db = open(file, { maxPayloadBytes: 64 })
    onCleanup(() => db.close())
    const big = { text: 'é'.repeat(40) } // 80 bytes of UTF-8 in 40 characters
    const fits = { text: 'x'.repeat(40) }
    expect(codeOf(() => db.queue('q').enqueue(big))).toBe('payload_too_large')
    expect(codeOf(() => db.queue('q').enqueueMany([fits, big]))).toBe('payload_too_large')
    expect(codeOf(() => db.notify('ch', big))).toBe('payload_too_large')
    expect(codeOf(() => db.stream('t').publish(big))).toBe('payload_too_large')
    expect(codeOf(() => db.saveResult(1, big))).toBe('payload_too_large')
    expect(codeOf(() => db.scheduler().add({ name: 's', queue: 'q', schedule: '@every 1s', payload: big }))).toBe('payload_too_large')
    const handle = new Sqlite(file, { readonly: true })
    onCleanup(() => handle.close())
    for (const table of ['_honker_live', '_honker_notifications', '_honker_stream', '_honker_results', '_honker_scheduler_tasks']) {
      expect(handle.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0)
    }
    expect(db.queue('q').enqueue(fits)).toBeGreaterThan(0)
    expect(codeOf(() => open(tempDbPath(), { maxPayloadBytes: 0 }))).toBe('invalid_argument')
  })

  it('applies a 16 MiB payload limit by default', () => {
    const { db } = fresh()
    expect(db.maxPayloadBytes).toBe(16 * 1024 * 1024)
    expect(codeOf(() => db.queue('q').enqueue('x'.repeat(16 * 1024 * 1024)))).toBe('payload_too_large')
  })

  it('refuses :memory: databases', () => {
    expect(codeOf(() => open(':memory:'))).toBe('memory_database')
    expect(codeOf(() => open(''))).toBe('memory_database')
    const memory = new Sqlite(':memory:')
    onCleanup(() => memory.close())
    expect(codeOf(() => open({ database: memory }))).toBe('memory_database')
  })

  it('refuses a closed database and a closed handle', () => {
    const { db, file } = fresh()
    const q = db.queue('q')
    db.close()
    expect(db.closed).toBe(true)
    expect(codeOf(() => q.enqueue(1))).toBe('closed')
    expect(codeOf(() => q.claimOne('w'))).toBe('closed')
    expect(codeOf(() => db.transaction(() => 1))).toBe('closed')
    expect(codeOf(() => db.queue('again'))).toBe('closed')
    expect(codeOf(() => db.subscribe())).toBe('closed')
    expect(liveCount(file)).toBe(0)
    const handle = new Sqlite(tempDbPath())
    handle.close()
    expect(codeOf(() => open({ database: libraryHandle(handle) }))).toBe('closed')
  })

  it('refuses a read-only handle at open, and gives exactly one of path or database', () => {
    const file = tempDbPath()
    open(file).close()
    const readonly = new Sqlite(file, { readonly: true })
    onCleanup(() => readonly.close())
    // Gap: node:sqlite and bun:sqlite handles do not say they were opened read-only: refused at the first write.
    const readonlyOpen = () => {
      const db = open({ database: libraryHandle(readonly) })
      if (TEST_DRIVER !== 'better-sqlite3') db.queue('q').enqueue('refused')
    }
    expect(codeOf(readonlyOpen)).toBe('readonly_database')
    expect(codeOf(() => open({}))).toBe('invalid_argument')
    expect(codeOf(() => open({ path: file, database: libraryHandle(readonly) }))).toBe('invalid_argument')
  })

  it('binds queue names as parameters, never as SQL', () => {
    const { db, file } = fresh()
    const name = "x'); DROP TABLE _honker_live; --"
    const q = db.queue(name)
    q.enqueue({ ok: 1 })
    expect(q.claimOne('w')?.queue).toBe(name)
    expect(liveCount(file)).toBe(1)
  })

  it('reports a stored payload that is not JSON (written by another binding) as invalid_payload', () => {
    const { db, file } = fresh()
    const handle = new Sqlite(file)
    onCleanup(() => handle.close())
    handle.prepare(`INSERT INTO _honker_live (queue, payload) VALUES ('q', 'not json')`).run()
    const job = db.queue('q').claimOne('w')!
    expect(job.payloadText).toBe('not json')
    expect(codeOf(() => job.payload)).toBe('invalid_payload')
  })
})
