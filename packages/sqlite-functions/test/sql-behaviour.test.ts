import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { extensionPath, registerFunctions } from '../src/index.ts'
import { onCleanup, openPair, tempDbPath } from './helpers.ts'

const ORDERS = `
  CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL CHECK (total >= 0));
  CREATE TRIGGER orders_outbox AFTER INSERT ON orders BEGIN
    SELECT honker_enqueue('receipts', json_object('order', new.id), NULL, NULL, 0, 3, NULL);
    SELECT notify('orders', json_object('order', new.id));
    SELECT honker_stream_publish('orders', NULL, json_object('order', new.id));
  END;`

function counts(pair: ReturnType<typeof openPair>): { jobs: number; notifications: number; events: number } {
  return {
    jobs: pair.sql<number>('SELECT count(*) FROM _honker_live'),
    notifications: pair.sql<number>('SELECT count(*) FROM _honker_notifications'),
    events: pair.sql<number>('SELECT count(*) FROM _honker_stream'),
  }
}

describe('the functions join the caller transaction', () => {
  it('a trigger enqueues, notifies and publishes with the row, and a rollback drops all three', () => {
    const pair = openPair()
    pair.sqlite.exec(ORDERS)
    const placeOrder = pair.sqlite.transaction((id: number, fail: boolean) => {
      pair.sqlite.prepare('INSERT INTO orders (id, total) VALUES (?, ?)').run(id, 100)
      if (fail) throw new Error('payment declined')
    })
    expect(() => placeOrder(1, true)).toThrow('payment declined')
    expect(counts(pair)).toEqual({ jobs: 0, notifications: 0, events: 0 })
    expect(pair.sql('SELECT count(*) FROM orders')).toBe(0)

    placeOrder(2, false)
    expect(counts(pair)).toEqual({ jobs: 1, notifications: 1, events: 1 })
    const job = pair.db.queue<{ order: number }>('receipts').claimOne('w')!
    expect(job.payload).toEqual({ order: 2 })
    expect(pair.db.stream('orders').readSince(0, 10).map((event) => event.payload)).toEqual([{ order: 2 }])
  })

  it('an aborted multi-row INSERT undoes what the trigger wrote for its earlier rows', () => {
    const pair = openPair()
    pair.sqlite.exec(ORDERS)
    // Autocommit: the second row breaks the CHECK after the first row's trigger already ran.
    expect(() => pair.sqlite.exec('INSERT INTO orders (id, total) VALUES (1, 10), (2, -1)')).toThrow(/CHECK constraint/)
    expect(counts(pair)).toEqual({ jobs: 0, notifications: 0, events: 0 })
    pair.sqlite.exec('INSERT INTO orders (id, total) VALUES (1, 10), (2, 20)')
    expect(counts(pair)).toEqual({ jobs: 2, notifications: 2, events: 2 })
  })

  it('multi-statement functions also work from a trigger (no savepoint of their own there)', () => {
    const pair = openPair()
    const queue = pair.db.queue('q')
    const id = queue.enqueue('x', { maxAttempts: 1 })
    pair.sqlite.exec(`
      CREATE TABLE claims (worker TEXT NOT NULL, claimed TEXT);
      CREATE TRIGGER claim_on_insert AFTER INSERT ON claims BEGIN
        UPDATE claims SET claimed = honker_claim_batch('q', new.worker, 5, 60) WHERE rowid = new.rowid;
      END;`)
    pair.sqlite.prepare('INSERT INTO claims (worker) VALUES (?)').run('w1')
    expect(JSON.parse(pair.sql<string>('SELECT claimed FROM claims'))).toMatchObject([{ id, worker_id: 'w1', attempts: 1 }])
    pair.sqlite.prepare('UPDATE claims SET claimed = honker_retry(?, ?, 0, ?)').run(id, 'w1', 'last try failed')
    expect(queue.getJob(id)).toMatchObject({ state: 'dead', lastError: 'last try failed' })
  })

  it('work done in BEGIN ... ROLLBACK and in db.transaction is undone with it', () => {
    const pair = openPair()
    pair.sqlite.exec('BEGIN')
    pair.sql(`SELECT honker_enqueue('q', '1', NULL, NULL, 0, 3, NULL)`)
    pair.sql(`SELECT notify('c', '1')`)
    pair.sql(`SELECT honker_lock_acquire('l', 'me', 60)`)
    pair.sqlite.exec('ROLLBACK')
    expect(counts(pair).jobs + counts(pair).notifications).toBe(0)
    expect(pair.sql('SELECT count(*) FROM _honker_locks')).toBe(0)

    expect(() =>
      pair.db.transaction(() => {
        pair.sql(`SELECT honker_stream_publish('t', NULL, '1')`)
        throw new Error('undo')
      }),
    ).toThrow('undo')
    expect(counts(pair).events).toBe(0)
  })

  it('a function that fails midway leaves nothing behind in autocommit mode', () => {
    const pair = openPair()
    const queue = pair.db.queue('q')
    const id = queue.enqueue('x', { maxAttempts: 1 })
    queue.claimOne('w1')
    // The dead-letter step of honker_retry inserts into _honker_dead; make that insert fail.
    pair.sqlite.exec(`CREATE TRIGGER no_dead BEFORE INSERT ON _honker_dead BEGIN SELECT RAISE(ABORT, 'dead letters closed'); END`)
    expect(() => pair.sql('SELECT honker_retry(?, ?, 0, ?)', id, 'w1', 'err')).toThrow(/dead letters closed/)
    expect(queue.getJob(id)).toMatchObject({ state: 'processing', workerId: 'w1' })
  })
})

describe('argument types are strict, like honker', () => {
  it('rejects a non-TEXT text argument, a fractional or non-INTEGER number, and NULL where none is allowed', () => {
    const pair = openPair()
    const enqueue = (...args: unknown[]) => pair.sql('SELECT honker_enqueue(?, ?, ?, ?, ?, ?, ?)', ...args)
    expect(() => enqueue('q', 1n, null, null, 0, 3, null)).toThrow('honker_enqueue: argument 2 (payload) must be TEXT, got INTEGER')
    expect(() => enqueue('q', '1', null, null, 1.5, 3, null)).toThrow('honker_enqueue: argument 5 (priority) must be a whole number, got 1.5')
    expect(() => enqueue('q', '1', null, null, '0', 3, null)).toThrow('honker_enqueue: argument 5 (priority) must be INTEGER, got TEXT')
    expect(() => enqueue(null, '1', null, null, 0, 3, null)).toThrow('honker_enqueue: argument 1 (queue) must be TEXT, got NULL')
    expect(() => enqueue('q', '1', null, null, 0, null, null)).toThrow('must be INTEGER, got NULL')
    expect(() => pair.sql('SELECT honker_ack(?, ?)', '1', 'w')).toThrow('honker_ack: argument 1 (job_id) must be INTEGER, got TEXT')
    expect(() => pair.sql('SELECT honker_enqueue(?, ?)', 'q', '1')).toThrow(/wrong number of arguments/)
    expect(() => pair.sql('SELECT honker_cron_next_after(?, ?)', 5n, 1n)).toThrow(/must be TEXT/)
    expect(() => enqueue('q', '1', null, 2n ** 63n - 1n, 0, 3, null)).toThrow('honker_enqueue: delay out of range')
    expect(counts(pair).jobs).toBe(0)
  })

  it('accepts whole REALs as integers (better-sqlite3 binds JavaScript numbers as REAL) and BigInts', () => {
    const pair = openPair()
    expect(pair.sql('SELECT typeof(?)', 2)).toBe('real')
    const id = pair.sql<number>('SELECT honker_enqueue(?, ?, ?, ?, ?, ?, ?)', 'q', '1', null, 10, 2, 4n, null)
    expect(pair.db.queue('q').getJob(id)).toMatchObject({ priority: 2, maxAttempts: 4 })
  })

  it('reports errors of the inner statements with their SQLite code', () => {
    const pair = openPair()
    expect(() => pair.sql('SELECT honker_ack_batch(?, ?)', 'not json', 'w')).toThrow(expect.objectContaining({ code: 'SQLITE_ERROR' }))
  })
})

describe('honker_bootstrap and registration', () => {
  it('creates core schema and ledger on a bare file, idempotently, so open() has nothing to migrate', () => {
    const file = tempDbPath()
    const bare = new Database(file)
    onCleanup(() => bare.close())
    registerFunctions(bare, { migrate: false })
    expect(bare.prepare(`SELECT count(*) FROM sqlite_master WHERE name LIKE '_honker%'`).pluck().get()).toBe(0)
    expect(bare.prepare('SELECT honker_bootstrap()').pluck().get()).toBe(1)
    const schema = bare.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()
    expect(bare.prepare('SELECT honker_bootstrap()').pluck().get()).toBe(1)
    expect(bare.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()).toEqual(schema)
    const ledger = bare.prepare('SELECT version, name FROM _honker_ts_migrations ORDER BY version').all()

    const reference = open(tempDbPath())
    onCleanup(() => reference.close())
    const refHandle = new Database(reference.path, { readonly: true })
    onCleanup(() => refHandle.close())
    expect(schema).toEqual(refHandle.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all())
    expect(ledger).toEqual(refHandle.prepare('SELECT version, name FROM _honker_ts_migrations ORDER BY version').all())

    const reopened = open({ database: bare })
    onCleanup(() => reopened.close())
    expect(bare.prepare('SELECT count(*) FROM _honker_ts_migrations').pluck().get()).toBe(ledger.length)
    expect(reopened.queue('q').enqueue(1)).toBe(1)
  })

  it('adds the scheduler columns a pre-0.5 honker file lacks', () => {
    const file = tempDbPath()
    const old = new Database(file)
    onCleanup(() => old.close())
    old.exec(`CREATE TABLE _honker_scheduler_tasks (name TEXT PRIMARY KEY, queue TEXT NOT NULL, cron_expr TEXT NOT NULL,
      payload TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 0, expires_s INTEGER, next_fire_at INTEGER NOT NULL)`)
    registerFunctions(old, { migrate: false })
    old.prepare('SELECT honker_bootstrap()').get()
    const columns = old.prepare(`SELECT name FROM pragma_table_info('_honker_scheduler_tasks')`).pluck().all()
    expect(columns).toEqual(expect.arrayContaining(['enabled', 'max_attempts']))
  })

  it('skips the columns an ORM migration added before the ledger knew (migration 0003), as open() does', () => {
    const file = tempDbPath()
    const app = new Database(file)
    onCleanup(() => app.close())
    // A file with honker 0.5's tables and core's 0002, whose _honker_live already has 0003's columns.
    registerFunctions(app, { migrate: false })
    app.prepare('SELECT honker_bootstrap()').get()
    const reference = app.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()
    app.exec(`DELETE FROM _honker_ts_migrations WHERE version = 3`)
    expect(app.prepare('SELECT honker_bootstrap()').pluck().get()).toBe(1)
    expect(app.prepare('SELECT version FROM _honker_ts_migrations ORDER BY version').pluck().all()).toEqual([1, 2, 3])
    expect(app.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()).toEqual(reference)
  })

  it('migrates by default and builds the extension where extensionPath says', () => {
    expect(existsSync(extensionPath)).toBe(true)
    const pair = openPair()
    expect(pair.sql(`SELECT count(*) FROM sqlite_master WHERE name = '_honker_live'`)).toBe(1)
    expect(() => registerFunctions({} as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })

  it('reads the time from the clock it was given', () => {
    const pair = openPair({ clock: { now: () => 1_234_567_890_999 } })
    expect(pair.sql('SELECT honker_now()')).toBe(1_234_567_890)
    const id = pair.sql<number>(`SELECT honker_enqueue('q', '1', NULL, NULL, 0, 3, NULL)`)
    expect(pair.db.queue('q').getJob(id)!.createdAt).toBe(1_234_567_890)
  })
})
