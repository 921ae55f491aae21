import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { statement } from '../src/sql/statement.ts'
import { CLAIM_JOBS } from '../src/queue/queue.sql.ts'
import { READ_EVENTS } from '../src/stream/stream.sql.ts'
import { READ_NOTIFICATIONS } from '../src/notify/notify.sql.ts'

describe('statement()', () => {
  it('turns named placeholders into positional ones and binds by name', () => {
    const read = statement('read', 'SELECT * FROM t WHERE a = :a AND b > :b')
    expect(read.text).toBe('SELECT * FROM t WHERE a = ? AND b > ?')
    expect(read.parts).toEqual(['SELECT * FROM t WHERE a = ', ' AND b > ', ''])
    expect(read.bind({ b: 2, a: 1 })).toEqual([1, 2])
    expect(() => read.bind({ a: 1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })

  it('refuses a bare LIMIT or OFFSET parameter, which SQLite re-plans on every bind', () => {
    expect(() => statement('page', 'SELECT * FROM t ORDER BY id LIMIT :limit')).toThrow(/LIMIT\/OFFSET \+:param/)
    expect(() => statement('skip', 'SELECT * FROM t ORDER BY id LIMIT 1 OFFSET :n')).toThrow(/LIMIT\/OFFSET \+:param/)
    expect(statement('page', 'SELECT * FROM t ORDER BY id LIMIT +:limit').text).toBe('SELECT * FROM t ORDER BY id LIMIT +?')
  })

  it('keeps the page-size statements planned once: `+?` still limits like a bare parameter', () => {
    const db = new Sqlite(':memory:')
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3), (4)')
    const page = db.prepare(statement('page', 'SELECT id FROM t WHERE id > :after ORDER BY id LIMIT +:limit').text).pluck()
    expect(page.all(1, 2)).toEqual([2, 3])
    expect(page.all(0, 0)).toEqual([])
    db.close()
    for (const hot of [CLAIM_JOBS, READ_EVENTS, READ_NOTIFICATIONS]) expect(hot.text).toMatch(/LIMIT \+\?/)
  })
})
