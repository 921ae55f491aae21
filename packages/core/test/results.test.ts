import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { HonkerError, open, type Database } from '@honker/core'
import { onCleanup, sleep, spawnFixture, tempDbPath } from './helpers.ts'
import { nativeSkipReason, nativeSql } from './native.ts'

interface ResultRow {
  job_id: number
  value: string | null
  created_at: number
  expires_at: number | null
}

/** A database with a hand-moved clock; `at(s)` sets it to unix second `s`. */
function openAt(startS: number, file = tempDbPath()): { db: Database; file: string; at(s: number): void } {
  const clock = { t: startS * 1000, now: () => clock.t }
  const db = open(file, { clock })
  onCleanup(() => db.close())
  return { db, file, at: (s) => void (clock.t = s * 1000) }
}

function openReal(file = tempDbPath()): { db: Database; file: string } {
  const db = open(file)
  onCleanup(() => db.close())
  return { db, file }
}

function rows(file: string): ResultRow[] {
  const handle = new Sqlite(file, { readonly: true })
  try {
    return handle.prepare('SELECT job_id, value, created_at, expires_at FROM _honker_results ORDER BY job_id').all() as ResultRow[]
  } finally {
    handle.close()
  }
}

/** Settles to the rejection reason, or fails the test if the promise resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
    },
    (error: unknown) => error,
  )
}

describe('results', () => {
  it('saves JSON text, reads it back, and replaces value and expiry (not created_at) on overwrite', () => {
    const { db, file, at } = openAt(1_000)
    db.saveResult(7, { url: 'https://cdn.example/a.png', size: [1, 2] })
    expect(db.getResult(7)).toEqual({ found: true, value: { url: 'https://cdn.example/a.png', size: [1, 2] } })
    expect(rows(file)).toEqual([{ job_id: 7, value: '{"url":"https://cdn.example/a.png","size":[1,2]}', created_at: 1_000, expires_at: null }])

    at(1_100)
    db.saveResult(7, 'second', { ttlS: 30 })
    expect(rows(file)).toEqual([{ job_id: 7, value: '"second"', created_at: 1_000, expires_at: 1_130 }])
    db.saveResult(7, 3)
    expect(rows(file)).toEqual([{ job_id: 7, value: '3', created_at: 1_000, expires_at: null }])
    expect(db.getResult<number>(7)).toEqual({ found: true, value: 3 })
  })

  it('tells a saved null from no result', () => {
    const { db, file } = openAt(1_000)
    db.saveResult(1, null)
    expect(db.getResult(1)).toEqual({ found: true, value: null })
    expect(db.getResult(2)).toEqual({ found: false })
    expect(rows(file)).toEqual([{ job_id: 1, value: 'null', created_at: 1_000, expires_at: null }])
  })

  it('hides a result once expires_at <= now without deleting it; sweepResults deletes only expired rows', () => {
    const { db, file, at } = openAt(1_000)
    db.saveResult(1, 'short', { ttlS: 10 })
    db.saveResult(2, 'forever')
    db.saveResult(3, 'forever too', { ttlS: 0 })
    db.saveResult(4, 'longer', { ttlS: 100 })
    at(1_009)
    expect(db.getResult(1)).toEqual({ found: true, value: 'short' })
    expect(db.sweepResults()).toBe(0)
    at(1_010)
    expect(db.getResult(1)).toEqual({ found: false })
    expect(rows(file).map((row) => row.job_id)).toEqual([1, 2, 3, 4]) // hidden, still stored
    expect(db.sweepResults()).toBe(1)
    expect(rows(file).map((row) => row.job_id)).toEqual([2, 3, 4])
    at(1_000_000_000)
    expect(db.sweepResults()).toBe(1)
    expect(rows(file).map((row) => [row.job_id, row.expires_at])).toEqual([
      [2, null],
      [3, null],
    ])
    expect(db.getResult(3)).toEqual({ found: true, value: 'forever too' })
  })

  it('saves inside a transaction: rolled back leaves nothing, committed is visible', () => {
    const { db, file } = openAt(1_000)
    expect(() =>
      db.transaction((tx) => {
        db.saveResult(5, { ok: true }, { tx })
        expect(db.getResult(5)).toEqual({ found: true, value: { ok: true } }) // own transaction sees it
        throw new Error('abort')
      }),
    ).toThrow('abort')
    expect(rows(file)).toEqual([])
    expect(db.getResult(5)).toEqual({ found: false })
    db.transaction((tx) => db.saveResult(5, { ok: true }, { tx }))
    expect(rows(file)).toHaveLength(1)
  })

  it('rejects bad arguments with coded errors and writes nothing', () => {
    const { db, file } = openAt(1_000)
    const invalid = expect.objectContaining({ code: 'invalid_argument' })
    expect(() => db.saveResult(0, 1)).toThrow(invalid)
    expect(() => db.saveResult(1.5, 1)).toThrow(invalid)
    expect(() => db.saveResult('1' as never, 1)).toThrow(invalid)
    expect(() => db.saveResult(1, 1, { ttlS: -1 })).toThrow(invalid)
    expect(() => db.saveResult(1, 1, { ttlS: 0.5 })).toThrow(invalid)
    expect(() => db.saveResult(1, 1, { tx: {} as never })).toThrow(invalid)
    expect(() => db.saveResult(1, undefined)).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
    expect(() => db.saveResult(1, () => 1)).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
    expect(() => db.getResult(-3)).toThrow(invalid)
    expect(rows(file)).toEqual([])

    const other = new Sqlite(file)
    other.prepare("INSERT INTO _honker_results (job_id, value) VALUES (9, 'not json')").run()
    other.close()
    expect(() => db.getResult(9)).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
    db.close()
    expect(() => db.getResult(1)).toThrow(expect.objectContaining({ code: 'closed' }))
    expect(() => db.saveResult(1, 1)).toThrow(expect.objectContaining({ code: 'closed' }))
  })
})

describe('waitResult', () => {
  it('resolves at once with a result already saved, a saved null included', async () => {
    const { db } = openReal()
    db.saveResult(1, null)
    await expect(db.waitResult(1, { timeoutMs: 0 })).resolves.toBeNull()
  })

  it('resolves when another process saves the result', async () => {
    const { db, file } = openReal()
    const waiting = db.waitResult<{ done: number }>(42, { timeoutMs: 20_000 })
    const child = spawnFixture('save-result.mjs', { db: file, jobId: 42, value: { done: 1 }, delayMs: 200 })
    await child.waitFor((message) => message.event === 'ready')
    await expect(waiting).resolves.toEqual({ done: 1 })
    await child.waitFor((message) => message.event === 'saved')
    expect((await child.exited).code).toBe(0)
  })

  it('resolves when another connection in this process saves it while waiting', async () => {
    const file = tempDbPath()
    const { db } = openReal(file)
    const { db: other } = openReal(file)
    const waiting = db.waitResult(3, { timeoutMs: 20_000 })
    await sleep(50)
    other.saveResult(3, 'from a second connection')
    await expect(waiting).resolves.toBe('from a second connection')
  })

  it('does not miss a result committed just before its first read', async () => {
    // The commit lands inside subscribe(), before the subscription exists: with the first read
    // taken after subscribing it is found; reading first and subscribing after would absorb it into
    // the watcher's baseline and wait forever (no timeout here; the signal only ends a hung test).
    const file = tempDbPath()
    const { db } = openReal(file)
    const { db: other } = openReal(file)
    const subscribe = db.subscribe.bind(db)
    let calls = 0
    db.subscribe = () => {
      calls++
      other.saveResult(8, 'raced')
      return subscribe()
    }
    await expect(db.waitResult(8, { signal: AbortSignal.timeout(10_000) })).resolves.toBe('raced')
    expect(calls).toBe(1)
  })

  it('rejects with code timeout after timeoutMs, ignoring an expired result', async () => {
    const file = tempDbPath()
    const { db } = openReal(file)
    const { db: past } = openAt(1_000, file)
    past.saveResult(5, 'expired long ago', { ttlS: 1 })
    const started = performance.now()
    const error = await rejection(db.waitResult(5, { timeoutMs: 300 }))
    expect(HonkerError.isInstance(error, 'timeout')).toBe(true)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('rejects with the signal reason on abort, and stops waiting', async () => {
    const { db } = openReal()
    const controller = new AbortController()
    const waiting = db.waitResult(1, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('user went away')), 50)
    expect(await rejection(waiting)).toEqual(new Error('user went away'))
    const already = AbortSignal.abort('gone')
    expect(await rejection(db.waitResult(1, { signal: already }))).toBe('gone')
  })

  it('rejects with code closed when the database closes while waiting', async () => {
    const { db } = openReal()
    const waiting = db.waitResult(1)
    setTimeout(() => db.close(), 50)
    const error = await rejection(waiting)
    expect(HonkerError.isInstance(error, 'closed')).toBe(true)
  })

  it('rejects bad arguments with coded errors', async () => {
    const { db } = openReal()
    const invalid = expect.objectContaining({ code: 'invalid_argument' })
    await expect(db.waitResult(0)).rejects.toEqual(invalid)
    await expect(db.waitResult(1, { timeoutMs: -1 })).rejects.toEqual(invalid)
    await expect(db.waitResult(1, { signal: new AbortController() as never })).rejects.toEqual(invalid)
  })
})

describe.skipIf(nativeSkipReason !== null)('results shared with honker 0.5 native', () => {
  it('reads what honker_result_save wrote, and honker_result_get reads ours', async () => {
    const { db, file } = openReal()
    await nativeSql(file, [
      { sql: 'SELECT honker_result_save(?, ?, ?) AS ok', params: [1, '{"from":"honker"}', 0] },
      { sql: 'SELECT honker_result_save(?, ?, ?) AS ok', params: [2, 'null', 3600] },
    ])
    expect(db.getResult(1)).toEqual({ found: true, value: { from: 'honker' } })
    expect(db.getResult(2)).toEqual({ found: true, value: null })
    expect(rows(file).map((row) => [row.job_id, row.expires_at === null])).toEqual([
      [1, true],
      [2, false],
    ])

    db.saveResult(3, { from: 'typescript' })
    db.saveResult(4, null)
    db.saveResult(1, 'replaced by us', { ttlS: 60 })
    const steps = await nativeSql(file, [
      { sql: 'SELECT honker_result_get(?) AS value', params: [3] },
      { sql: 'SELECT honker_result_get(?) AS value', params: [4] },
      { sql: 'SELECT honker_result_get(?) AS value', params: [1] },
      { sql: 'SELECT honker_result_get(?) AS value', params: [99] },
    ])
    expect(steps.map((stepRows) => stepRows[0]!.value)).toEqual(['{"from":"typescript"}', 'null', '"replaced by us"', null])
  })

  it('agrees on expiry: honker hides and sweeps a result ours saved with a lapsed TTL', async () => {
    const file = tempDbPath()
    const { db: past } = openAt(1_000, file)
    past.saveResult(1, 'expired', { ttlS: 5 })
    past.saveResult(2, 'kept')
    const steps = await nativeSql(file, [
      { sql: 'SELECT honker_result_get(?) AS value', params: [1] },
      { sql: 'SELECT honker_result_sweep() AS n' },
      { sql: 'SELECT honker_result_get(?) AS value', params: [2] },
    ])
    expect(steps.map((stepRows) => Object.values(stepRows[0]!)[0])).toEqual([null, 1, '"kept"'])
    expect(rows(file).map((row) => row.job_id)).toEqual([2])
  })

  it('wakes our waitResult when honker saves the result from its own process', async () => {
    const { db, file } = openReal()
    const waiting = db.waitResult(11, { timeoutMs: 20_000 })
    await nativeSql(file, [{ sql: 'SELECT honker_result_save(?, ?, ?) AS ok', params: [11, '[1,2,3]', 0] }])
    await expect(waiting).resolves.toEqual([1, 2, 3])
  })
})
