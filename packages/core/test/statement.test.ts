import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { statement } from '../src/sql/statement.ts'
import { SELECT_CLAIMABLE } from '../src/queue/queue.sql.ts'
import { READ_EVENTS } from '../src/stream/stream.sql.ts'
import { READ_NOTIFICATIONS } from '../src/notify/notify.sql.ts'
import { onCleanup, tempDbPath } from './helpers.ts'

describe('statement()', () => {
  it('turns named placeholders into positional expressions and binds by name', () => {
    const read = statement('read', 'SELECT * FROM t WHERE a = :a AND b > :b LIMIT :limit')
    expect(read.text).toBe('SELECT * FROM t WHERE a = +? AND b > +? LIMIT +?')
    expect(read.parts).toEqual(['SELECT * FROM t WHERE a = +', ' AND b > +', ' LIMIT +', ''])
    expect(read.params).toEqual(['a', 'b', 'limit'])
    expect(read.bind({ limit: 3, b: 2, a: 1 })).toEqual([1, 2, 3])
    expect(() => read.bind({ a: 1, b: 2 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })

  it('means what the bare parameter meant: values, types, comparisons and limits are unchanged', () => {
    const db = new Sqlite(':memory:')
    onCleanup(() => db.close())
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT); INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')")
    const insert = db.prepare(statement('insert', 'INSERT INTO t (n, s) VALUES (:n, :s) RETURNING typeof(n) AS tn, typeof(s) AS ts').text)
    expect(insert.get(40, 'd')).toEqual({ tn: 'integer', ts: 'text' })
    expect(insert.get('50', 7)).toEqual({ tn: 'integer', ts: 'text' }) // column affinity still applies
    const page = db.prepare(statement('page', 'SELECT id FROM t WHERE n >= :min AND s <> :s ORDER BY id LIMIT :limit').text).pluck()
    expect(page.all(20, 'c', 2)).toEqual([2, 4])
    expect(page.all(0, 'x', 0)).toEqual([])
    expect(page.all('20', 'c', 10)).toEqual([2, 4, 5]) // '20' compares as the integer 20, as before
  })

  it('keeps claims and stream and notification reads on their indexes after ANALYZE writes statistics (sqlite_stat4 where the library has it)', () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    // Skewed tables, the kind on which statistics flip plans: a queue of mostly delayed jobs, and
    // a stream and a channel with one name only (the planner then prefers a rowid scan).
    const q = db.queue('mail')
    q.enqueueMany(Array.from({ length: 2000 }, (_, n) => ({ n })), { delayS: 3600 })
    q.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ n })))
    q.claimBatch('w1', 5)
    db.transaction(() => {
      for (let n = 0; n < 300; n++) {
        db.stream('orders').publish({ n })
        db.notify('orders', { n })
      }
    })
    const raw = new Sqlite(file)
    onCleanup(() => raw.close())
    raw.exec('ANALYZE')
    // better-sqlite3 and bun:sqlite build SQLite with STAT4; node:sqlite's has sqlite_stat1 only.
    const options = raw.prepare('PRAGMA compile_options').pluck().all() as string[]
    const statistics = options.includes('ENABLE_STAT4') ? 'sqlite_stat4' : 'sqlite_stat1'
    expect(raw.prepare(`SELECT count(*) FROM ${statistics}`).pluck().get()).toBeGreaterThan(0)
    const now = Math.floor(Date.now() / 1000)
    const plan = (text: string, params: unknown[]): string[] =>
      raw.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params).map((row) => (row as { detail: string }).detail)
    expect(plan(SELECT_CLAIMABLE.text, SELECT_CLAIMABLE.bind({ queue: 'mail', now, limit: 1 }))).toEqual([
      'SEARCH _honker_live USING INDEX _honker_live_claim (queue=?)',
    ])
    expect(plan(READ_EVENTS.text, READ_EVENTS.bind({ topic: 'orders', after: 0, limit: 100 }))).toEqual([
      'SEARCH _honker_stream USING INDEX _honker_stream_topic (topic=? AND offset>?)',
    ])
    expect(plan(READ_NOTIFICATIONS.text, READ_NOTIFICATIONS.bind({ channel: 'orders', after: 0, limit: 100 }))).toEqual([
      'SEARCH _honker_notifications USING INDEX _honker_notifications_recent (channel=? AND id>?)',
    ])
    // And everything still reads right after ANALYZE.
    expect(q.claimBatch('w2', 3).map((job) => job.payload)).toEqual([{ n: 5 }, { n: 6 }, { n: 7 }])
    expect(db.stream('orders').readSince(298, 10).map((event) => event.payload)).toEqual([{ n: 298 }, { n: 299 }])
  })
})
