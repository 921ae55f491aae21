import { describe, expect, it } from 'vitest'
import { migrationScripts, pgWriter } from '../src/adapter.ts'
import { open } from '../src/index.ts'
import { codeOf, freshSchema, testPool, until } from './support/pg.ts'

describe('@honker/postgres/adapter: writes in a transaction Honker does not own', () => {
  it("an ORM's migration scripts make a schema open() finds current", async () => {
    const pool = testPool()
    const schema = freshSchema()
    for (const script of migrationScripts(schema)) await pool.query(script.sql)
    const db = await open({ postgres: pool, schema }) // migrates: must find everything applied, checksums equal
    expect((await pool.query(`SELECT version FROM ${schema}._honker_ts_migrations ORDER BY version`)).rows).toEqual([{ version: 1 }, { version: 2 }])
    expect(await db.queue('q').enqueue(1)).toBe(1)
    db.close()
  })

  it("joins a client's own transaction: committed writes exist and wake workers, rolled-back ones do not", async () => {
    const pool = testPool()
    const schema = freshSchema()
    const db = await open({ postgres: pool, schema })
    const writer = pgWriter({ schema })
    const ran: unknown[] = []
    const worker = db.queue('orm').work((job) => void ran.push(job.payload), { fallbackPollMs: 60_000 })
    await until(() => db.wakeState === 'listening')
    const client = await pool.connect()
    await client.query('BEGIN')
    await writer.enqueue(client, 'orm', 'rolled back')
    await writer.notify(client, 'ch', 1)
    await client.query('ROLLBACK')
    await client.query('BEGIN')
    const id = await writer.enqueue(client, 'orm', 'committed', { priority: 2 })
    const offset = await writer.publish(client, 'topic', { a: 1 }, { key: 'k' })
    expect(await writer.saveOffset(client, 'consumer', 'topic', offset)).toBe(true)
    await client.query('COMMIT')
    client.release()
    await until(() => ran.length === 1)
    expect(ran).toEqual(['committed'])
    expect(id).toBeGreaterThan(0)
    expect(await db.stream('topic').getOffset('consumer')).toBe(offset)
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${schema}._honker_notifications`)).rows[0].n).toBe(0)
    await worker.stop()
    db.close()
    expect(await codeOf(() => pgWriter({ schema: 'Not Valid' }))).toBe('invalid_argument')
  })
})
