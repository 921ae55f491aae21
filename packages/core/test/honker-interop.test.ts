import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { open, type Database } from '@honker/core'
import { onCleanup, sleep, tempDbPath } from './helpers.ts'
import { native, nativeSkipReason as skipReason, type ClaimConfig } from './native.ts'
import { OUR_OBJECTS, honkerRowsAfterMigration } from './support/schema-additions.ts'

// One file shared with the published honker 0.5.1 Node binding. The native module only ever runs
// in a child process (fixtures/honker-native.cjs): it links the system libsqlite3 while
// better-sqlite3 bundles its own SQLite, and two SQLite copies in one process lose writes.

interface SchemaRow {
  type: string
  name: string
  tbl_name: string
  sql: string | null
}

/** A row of honker_claim_batch's JSON result. */
interface HonkerClaimedRow {
  id: number
  queue: string
  payload: string
  attempts: number
  claim_expires_at: number
  worker_id: string
}

/** honker_claim_batch in a child, then honker_ack_batch of what it claimed when `ack`. */
async function nativeClaim(config: ClaimConfig, ack: boolean): Promise<{ rows: HonkerClaimedRow[]; acked: number | undefined }> {
  const out = await native({ op: ack ? 'claim-ack' : 'claim', ...config })
  return { rows: out.claimed!.rows as HonkerClaimedRow[], acked: out.acked?.count as number | undefined }
}

function openDb(file: string): Database {
  const db = open(file)
  onCleanup(() => db.close())
  return db
}

/** sqlite_master read by a plain better-sqlite3 connection in this process (reads only). */
function schemaOf(file: string): SchemaRow[] {
  const handle = new Sqlite(file, { readonly: true })
  try {
    return handle.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all() as SchemaRow[]
  } finally {
    handle.close()
  }
}

function liveCount(file: string): number {
  const handle = new Sqlite(file, { readonly: true })
  try {
    return handle.prepare('SELECT count(*) FROM _honker_live').pluck().get() as number
  } finally {
    handle.close()
  }
}

const HONKER_SCHEMA = JSON.parse(
  readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'snapshots', 'honker-0.5.1-schema.json'), 'utf8'),
) as SchemaRow[]

/** Split a dump into honker's objects and ours, so both halves can be checked exactly. */
function splitSchema(rows: SchemaRow[]): { honker: SchemaRow[]; ours: string[] } {
  return {
    honker: rows.filter((row) => !OUR_OBJECTS.includes(row.name)),
    ours: rows.filter((row) => OUR_OBJECTS.includes(row.name)).map((row) => row.name),
  }
}

const byId = (a: { id: number }, b: { id: number }) => a.id - b.id

describe.skipIf(skipReason !== null)('interop with the honker 0.5.1 native binding (one file, two processes)', () => {
  it('honker claims and acks jobs @honker/core enqueued, highest priority first', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const emails = db.queue('emails')
    // Ids ascend against priority, so a claim in id order would pick the wrong two.
    const low = emails.enqueue({ to: 'low@example.com' }, { priority: 0 })
    const mid = emails.enqueue({ to: 'mid@example.com' }, { priority: 5, maxAttempts: 1 })
    const high = emails.enqueue({ to: 'high@example.com', tags: ['a', 'ü'] }, { priority: 9, maxAttempts: 7 })

    const first = await nativeClaim({ db: file, queue: 'emails', workerId: 'honker-w', n: 2, visibilityS: 30 }, true)
    // honker_claim_batch picks by priority but returns rows in id order: compare sorted by id.
    expect(first.rows.sort(byId)).toMatchObject([
      { id: mid, queue: 'emails', payload: '{"to":"mid@example.com"}', attempts: 1, worker_id: 'honker-w' },
      { id: high, queue: 'emails', payload: '{"to":"high@example.com","tags":["a","ü"]}', attempts: 1, worker_id: 'honker-w' },
    ])
    expect(first.acked).toBe(2)
    expect(emails.getJob(mid)).toBeNull()
    expect(emails.getJob(low)).toMatchObject({ state: 'pending', attempts: 0, priority: 0 })

    const rest = await nativeClaim({ db: file, queue: 'emails', workerId: 'honker-w', n: 10, visibilityS: 30 }, true)
    expect(rest.rows).toMatchObject([{ id: low, payload: '{"to":"low@example.com"}', attempts: 1 }])
    expect(rest.acked).toBe(1)
    expect(emails.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
    expect(liveCount(file)).toBe(0)
  })

  it('@honker/core claims and acks jobs honker enqueued, highest priority first', async () => {
    const file = tempDbPath()
    const { enqueued } = await native({
      op: 'enqueue',
      db: file,
      queue: 'emails',
      jobs: [
        { payload: { to: 'low@example.com' }, priority: -1 },
        { payload: 'plain string', priority: 3, maxAttempts: 1 },
        { payload: { to: 'high@example.com', n: [1, null] }, priority: 8, maxAttempts: 5 },
      ],
    })
    const [low, mid, high] = enqueued!.ids as number[]

    const db = openDb(file)
    const emails = db.queue<unknown>('emails')
    expect(emails.getJob(high!)).toMatchObject({ state: 'pending', priority: 8, maxAttempts: 5, attempts: 0 })
    const jobs = emails.claimBatch('ts-w', 10)
    expect(jobs.map((job) => job.id)).toEqual([high, mid, low])
    expect(jobs.map((job) => job.payload)).toEqual([{ to: 'high@example.com', n: [1, null] }, 'plain string', { to: 'low@example.com' }])
    expect(jobs.map((job) => [job.attempts, job.maxAttempts])).toEqual([[1, 5], [1, 1], [1, 3]])
    for (const job of jobs) expect(job.ack()).toBe(true)
    expect(emails.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
    expect(liveCount(file)).toBe(0)
  })

  it('a file honker created opens in @honker/core with honker\'s schema untouched', async () => {
    const file = tempDbPath()
    const { schema } = await native({ op: 'schema', db: file })
    // Guards the snapshot itself: it is what this honker build bootstraps.
    expect(schema!.rows).toStrictEqual(HONKER_SCHEMA)

    openDb(file) // migrates: finds honker's tables and adds only ours
    const { honker, ours } = splitSchema(schemaOf(file))
    expect(honker).toStrictEqual(honkerRowsAfterMigration(HONKER_SCHEMA))
    expect(ours).toEqual(OUR_OBJECTS)
  })

  it('a file @honker/core created opens in honker, with honker\'s objects byte-identical', async () => {
    const file = tempDbPath()
    openDb(file).close()
    const { schema } = await native({ op: 'schema', db: file })
    const { honker, ours } = splitSchema(schema!.rows as SchemaRow[])
    expect(honker).toStrictEqual(honkerRowsAfterMigration(HONKER_SCHEMA))
    expect(ours).toEqual(OUR_OBJECTS)
    // honker's bootstrap on open found everything and changed nothing.
    expect(schemaOf(file)).toStrictEqual(schema!.rows)
  })

  it('honker enqueues, claims and acks on a file using unique keys and groups; its ack frees the key', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const invoices = db.queue('invoices')
    // Every feature's storage in use: settings, history, events, a limit honker does not know about.
    invoices.setHistory({ keepCompleted: { maxCount: 100 } })
    invoices.setEvents(true)
    invoices.setConcurrency(5)
    const keyed = invoices.enqueue({ invoice: 42 }, { uniqueKey: 'invoice-42', group: 'tenant-1' })
    expect(keyed.created).toBe(true)
    const { enqueued } = await native({ op: 'enqueue', db: file, queue: 'invoices', jobs: [{ payload: { from: 'honker' }, priority: 9 }] })
    const honkerIds = enqueued!.ids as number[]
    const claimed = await nativeClaim({ db: file, queue: 'invoices', workerId: 'honker-w', n: 10, visibilityS: 30 }, true)
    expect(claimed.rows.map((row) => row.id).sort((a, b) => a - b)).toEqual([keyed.id, ...honkerIds].sort((a, b) => a - b))
    expect(claimed.acked).toBe(2)
    // honker's ack deleted the row, and with it the key: a new job may take it.
    expect(invoices.enqueue({ invoice: 42 }, { uniqueKey: 'invoice-42' })).toMatchObject({ created: true })
    // honker's acks record no history (docs/compatibility.md 1.6); ours on the same file do.
    expect(invoices.jobs({ state: 'completed' })).toEqual([])
    expect(invoices.claimOne('ts-w')!.ack()).toBe(true)
    expect(invoices.jobs({ state: 'completed' })).toHaveLength(1)
  })

  it('a claim honker let lapse on its last attempt is dead-lettered by @honker/core', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const q = db.queue('reports')
    const id = q.enqueue({ report: 7 }, { maxAttempts: 1 })

    // The honker "worker" claims with a 1 s visibility timeout and dies without acking.
    const { rows } = await nativeClaim({ db: file, queue: 'reports', workerId: 'honker-w', n: 1, visibilityS: 1 }, false)
    expect(rows).toMatchObject([{ id, attempts: 1, worker_id: 'honker-w' }])
    const expiresAt = rows[0]!.claim_expires_at

    // Still owned (claim_expires_at >= now): neither reclaimed nor dead-lettered.
    expect(q.claimBatch('ts-w', 10)).toEqual([])
    expect(q.getJob(id)).toMatchObject({ state: 'processing', workerId: 'honker-w', claimExpiresAt: expiresAt })

    // Whole seconds: reclaimable once the clock reads expiresAt + 1.
    await sleep(Math.max(0, (expiresAt + 1) * 1000 - Date.now()) + 100)
    expect(q.claimBatch('ts-w', 10)).toEqual([])
    expect(q.getJob(id)).toMatchObject({
      state: 'dead',
      attempts: 1,
      maxAttempts: 1,
      lastError: 'max attempts exceeded',
      payloadText: '{"report":7}',
    })
    expect(liveCount(file)).toBe(0)
  })
})
