import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.ts'
import { codeOf, freshDatabase, freshSchema, postgresUrl, testPool } from './support/pg.ts'

describe('bad input on PostgreSQL: coded errors, nothing half-written', () => {
  it('an unreachable server is connection_failed at open()', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'postgres', connectionTimeoutMillis: 2_000 })
    pool.on('error', () => {})
    expect(await codeOf(open({ postgres: pool, schema: freshSchema() }))).toBe('connection_failed')
    await pool.end()
  })

  it('a role that cannot create the schema is permission_denied, and leaves no schema behind', async () => {
    const admin = testPool()
    const role = `limited_${Math.random().toString(36).slice(2, 8)}`
    await admin.query(`CREATE ROLE ${role} LOGIN`)
    const url = new URL(postgresUrl())
    url.username = role
    const limited = testPool({ connectionString: url.toString() })
    const schema = freshSchema()
    expect(await codeOf(open({ postgres: limited, schema }))).toBe('permission_denied')
    const { rows } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
    expect(rows).toEqual([])
  })

  it("migrate: false refuses a schema that was never migrated, and opens a current one", async () => {
    const schema = freshSchema()
    expect(await codeOf(open({ postgres: testPool(), schema, migrate: false }))).toBe('migrations_not_found')
    ;(await open({ postgres: testPool(), schema })).close()
    const db = await open({ postgres: testPool(), schema, migrate: false })
    expect(await db.queue('q').enqueue(1)).toBe(1)
    db.close()
  })

  it('refuses schema names that are not plain identifiers, and things that are not pools', async () => {
    expect(await codeOf(open({ postgres: testPool(), schema: 'Bad-Name"; DROP' }))).toBe('invalid_argument')
    expect(await codeOf(open({ postgres: {} as never }))).toBe('invalid_argument')
    expect(await codeOf(open({ postgres: testPool(), wake: 'sometimes' as never }))).toBe('invalid_argument')
  })

  it('a connection killed inside db.transaction is connection_lost, and neither the row nor the job is kept', async () => {
    const db = await freshDatabase()
    const admin = testPool()
    await admin.query('CREATE TABLE IF NOT EXISTS orders_lost (id int primary key)')
    const q = db.queue('lost')
    const code = await codeOf(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO orders_lost VALUES (1)')
        await q.enqueue({ order: 1 }, { tx })
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
        // The server's goodbye reaches the client while it is idle in the transaction: an 'error'
        // event on a checked-out client, which must not crash the process.
        await new Promise((resolve) => setTimeout(resolve, 200))
        await tx.query('SELECT 1')
      }),
    )
    expect(code).toBe('connection_lost')
    expect((await admin.query('SELECT * FROM orders_lost')).rows).toEqual([])
    expect((await q.counts()).pending).toBe(0)
    // The pool threw the dead client away: the next transaction works.
    await db.transaction((tx) => q.enqueue(2, { tx }))
    expect((await q.counts()).pending).toBe(1)
  })

  it('bad input to a method that returns a promise rejects with its code; it never throws synchronously (25 methods)', async () => {
    const db = await freshDatabase()
    const q = db.queue('shape')
    const job = (await (async () => {
      await q.enqueue(1)
      return q.claimOne('w')
    })())!
    const calls: [string, () => unknown][] = [
      ['enqueue', () => q.enqueue(1, 'options' as never)],
      ['enqueueMany', () => q.enqueueMany('x' as never)],
      ['claimBatch', () => q.claimBatch('w', 0)],
      ['ackBatch', () => q.ackBatch('x' as never, 'w')],
      ['getJob', () => q.getJob(1.5)],
      ['cancel', () => q.cancel('1' as never)],
      ['listJobs', () => q.listJobs({ state: 'gone' as never })],
      ['releaseClaims', () => q.releaseClaims({ ids: 'x' as never })],
      ['dead.list', () => q.dead.list({ limit: 0 })],
      ['dead.retry', () => q.dead.retry([0])],
      ['job.retry', () => job.retry({ delayS: -1 })],
      ['job.heartbeat', () => job.heartbeat(0)],
      ['rateLimit.try', () => db.rateLimit('r', { limit: 1, perS: 1 }).try('x' as never)],
      ['lock.renew', () => db.lock('l', { ttlS: 5 }).renew(0)],
      ['saveResult', () => db.saveResult(0, 1)],
      ['getResult', () => db.getResult(-1)],
      ['sweepRateLimits', () => db.sweepRateLimits(-1)],
      ['notify', () => db.notify('', 1)],
      ['listen', () => db.listen('')],
      ['db.listJobs', () => db.listJobs({ queue: '' })],
      ['stream.publish', () => db.stream('s').publish(1, 'key' as never)],
      ['stream.readSince', () => db.stream('s').readSince(-1, 10)],
      ['stream.saveOffset', () => db.stream('s').saveOffset('', 1)],
      ['stream.getOffset', () => db.stream('s').getOffset('')],
      ['stream.subscribe', () => db.stream('s').subscribe({ consumer: 'c', saveEveryS: -1 })],
    ]
    for (const [name, call] of calls) {
      let result: unknown
      expect(() => (result = call()), name).not.toThrow()
      expect(result, name).toBeInstanceOf(Promise)
      expect(await codeOf(result as Promise<unknown>), name).toBe('invalid_argument')
    }
    db.close()
  })

  it('a closed database refuses every call with closed', async () => {
    const db = await freshDatabase()
    const q = db.queue('closing')
    db.close()
    expect(await codeOf(q.enqueue(1))).toBe('closed')
    expect(await codeOf(db.listen('x'))).toBe('closed')
    expect(await codeOf(db.stream('s').publish(1))).toBe('closed')
    expect(await codeOf(db.stream('s').subscribe({ consumer: 'c' }))).toBe('closed')
  })

  it('runs the migration once when many pools open a fresh schema at once', async () => {
    const schema = freshSchema()
    const dbs = await Promise.all(Array.from({ length: 6 }, () => open({ postgres: testPool({ max: 2 }), schema })))
    const { rows } = await testPool().query(`SELECT version FROM ${schema}._honker_ts_migrations ORDER BY version`)
    expect(rows).toEqual([{ version: 1 }, { version: 2 }])
    for (const db of dbs) db.close()
  })
})
