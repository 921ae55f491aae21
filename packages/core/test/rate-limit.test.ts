import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { open, type Database } from '@honker/core'
import { onCleanup, tempDbPath } from './helpers.ts'
import { nativeSkipReason, nativeSql } from './native.ts'

/** A database with a hand-moved clock; `at(s)` sets it to unix second `s`. */
function openAt(startS: number, file = tempDbPath()): { db: Database; file: string; at(s: number): void } {
  const clock = { t: startS * 1000, now: () => clock.t }
  const db = open(file, { clock })
  onCleanup(() => db.close())
  return { db, file, at: (s) => void (clock.t = s * 1000) }
}

function windows(file: string): { name: string; window_start: number; count: number }[] {
  const handle = new Sqlite(file, { readonly: true })
  try {
    return handle.prepare('SELECT name, window_start, count FROM _honker_rate_limits ORDER BY name, window_start').all() as {
      name: string
      window_start: number
      count: number
    }[]
  } finally {
    handle.close()
  }
}

describe('rate limits (fixed window)', () => {
  it('allows `limit` calls per window, refuses the rest without counting them, and resets at the boundary', () => {
    const { db, file, at } = openAt(1_000_005)
    const limit = db.rateLimit('emails', { limit: 3, perS: 10 })
    expect([limit.try(), limit.try(), limit.try()]).toEqual([true, true, true])
    expect(limit.remaining()).toBe(0)
    expect([limit.try(), limit.try()]).toEqual([false, false])
    // Window aligned to the epoch: floor(1_000_005 / 10) * 10; refused calls left the count at 3.
    expect(windows(file)).toEqual([{ name: 'emails', window_start: 1_000_000, count: 3 }])
    expect(limit.resetsAt()).toBe(1_000_010)

    at(1_000_009) // last second of the window: still full
    expect(limit.try()).toBe(false)
    at(1_000_010) // next window
    expect(limit.remaining()).toBe(3)
    expect(limit.try()).toBe(true)
    expect(limit.remaining()).toBe(2)
    expect(windows(file)).toEqual([
      { name: 'emails', window_start: 1_000_000, count: 3 },
      { name: 'emails', window_start: 1_000_010, count: 1 },
    ])
  })

  it('keeps names apart', () => {
    const { db } = openAt(5_000)
    const a = db.rateLimit('a', { limit: 1, perS: 60 })
    const b = db.rateLimit('b', { limit: 1, perS: 60 })
    expect(a.try()).toBe(true)
    expect(a.try()).toBe(false)
    expect(b.try()).toBe(true)
  })

  it('is shared by two Database objects on one file', () => {
    const file = tempDbPath()
    const one = openAt(7_200, file).db.rateLimit('api', { limit: 4, perS: 60 })
    const two = openAt(7_230, file).db.rateLimit('api', { limit: 4, perS: 60 })
    expect([one.try(), two.try(), one.try(), two.try()]).toEqual([true, true, true, true])
    expect([one.try(), two.try()]).toEqual([false, false])
    expect(windows(file)).toEqual([{ name: 'api', window_start: 7_200, count: 4 }])
  })

  it('takes a slot inside a transaction and gives it back when the transaction rolls back', () => {
    const { db, file } = openAt(100)
    const limit = db.rateLimit('tx', { limit: 1, perS: 100 })
    expect(() =>
      db.transaction((tx) => {
        expect(limit.try({ tx })).toBe(true)
        throw new Error('rolled back')
      }),
    ).toThrow('rolled back')
    expect(windows(file)).toEqual([])
    expect(limit.try()).toBe(true)
    expect(limit.try()).toBe(false)
  })

  it('sweeps windows that started more than olderThanS ago, of every name', () => {
    const { db, file, at } = openAt(1_000)
    db.rateLimit('a', { limit: 5, perS: 10 }).try() // window 1000
    db.rateLimit('b', { limit: 5, perS: 100 }).try() // window 1000
    at(1_050)
    db.rateLimit('a', { limit: 5, perS: 10 }).try() // window 1050
    at(1_060)
    expect(db.sweepRateLimits(60)).toBe(0) // cut-off 1000: nothing started before it
    expect(db.sweepRateLimits(59)).toBe(2) // cut-off 1001
    expect(windows(file)).toEqual([{ name: 'a', window_start: 1_050, count: 1 }])
    expect(db.sweepRateLimits(0)).toBe(1)
    expect(windows(file)).toEqual([])
  })

  it('rejects bad arguments with coded errors and writes nothing', () => {
    const { db, file } = openAt(1_000)
    const invalid = expect.objectContaining({ code: 'invalid_argument' })
    expect(() => db.rateLimit('x', { limit: 0, perS: 10 })).toThrow(invalid)
    expect(() => db.rateLimit('x', { limit: -1, perS: 10 })).toThrow(invalid)
    expect(() => db.rateLimit('x', { limit: 1, perS: 0 })).toThrow(invalid)
    expect(() => db.rateLimit('x', { limit: 1, perS: 1.5 })).toThrow(invalid)
    expect(() => db.rateLimit('x', { limit: 2.5, perS: 1 })).toThrow(invalid)
    expect(() => db.rateLimit('', { limit: 1, perS: 1 })).toThrow(invalid)
    expect(() => db.rateLimit('x', undefined as never)).toThrow(invalid)
    expect(() => db.sweepRateLimits(-1)).toThrow(invalid)
    expect(() => db.rateLimit('x', { limit: 1, perS: 1 }).try({ tx: {} as never })).toThrow(invalid)
    expect(windows(file)).toEqual([])
    db.close()
    expect(() => db.rateLimit('x', { limit: 1, perS: 1 })).toThrow(expect.objectContaining({ code: 'closed' }))
  })
})

// honker computes the window from the real clock; a window of 10^9 s (the current one spans
// 2001-2033) keeps both sides in the same window whenever the test runs.
const PER_S = 1_000_000_000

describe.skipIf(nativeSkipReason !== null)('rate limits shared with honker 0.5 native', () => {
  it('counts honker_rate_limit_try calls against ours and ours against honker', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    const ours = db.rateLimit('shared', { limit: 3, perS: PER_S })

    const first = await nativeSql(file, [
      { sql: 'SELECT honker_rate_limit_try(?, ?, ?) AS ok', params: ['shared', 3, PER_S] },
      { sql: 'SELECT honker_rate_limit_try(?, ?, ?) AS ok', params: ['shared', 3, PER_S] },
    ])
    expect(first.map((rows) => rows[0]!.ok)).toEqual([1, 1])
    expect(ours.remaining()).toBe(1)
    expect(ours.try()).toBe(true)
    expect(ours.try()).toBe(false)
    expect(windows(file)).toEqual([{ name: 'shared', window_start: Math.floor(Date.now() / 1000 / PER_S) * PER_S, count: 3 }])

    const other = db.rateLimit('other', { limit: 2, perS: PER_S })
    expect([other.try(), other.try()]).toEqual([true, true])
    const steps = await nativeSql(file, [
      { sql: 'SELECT honker_rate_limit_try(?, ?, ?) AS ok', params: ['other', 2, PER_S] },
      { sql: 'SELECT honker_rate_limit_try(?, ?, ?) AS ok', params: ['shared', 4, PER_S] },
      { sql: 'SELECT honker_rate_limit_try(?, ?, ?) AS ok', params: ['shared', 4, PER_S] },
    ])
    // Full for honker too; and raising the limit lets one more through, counted once.
    expect(steps.map((rows) => rows[0]!.ok)).toEqual([0, 1, 0])
    expect(windows(file).map((row) => [row.name, row.count])).toEqual([
      ['other', 2],
      ['shared', 4],
    ])
  })

  it('honker_rate_limit_sweep removes windows ours wrote, by the same cut-off rule', async () => {
    const file = tempDbPath()
    const clock = { now: () => 1_000 * 1000 } // a window far in the past
    const db = open(file, { clock })
    onCleanup(() => db.close())
    expect(db.rateLimit('old', { limit: 1, perS: 60 }).try()).toBe(true)
    const [rows] = await nativeSql(file, [{ sql: 'SELECT honker_rate_limit_sweep(?) AS n', params: [3600] }])
    expect(rows).toEqual([{ n: 1 }])
    expect(windows(file)).toEqual([])
  })
})
