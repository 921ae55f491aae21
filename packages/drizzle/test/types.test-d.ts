import type { Database as BetterSqlite3, RunResult } from 'better-sqlite3'
import type { Client, ResultSet } from '@libsql/client'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import type { LibSQLDatabase } from 'drizzle-orm/libsql'
import type { BaseSQLiteDatabase, SQLiteTransaction } from 'drizzle-orm/sqlite-core'
import { describe, expectTypeOf, test } from 'vitest'
import type { Database, Transaction } from '@honker/core'
import { createHonker, enqueue, honkerLive, notify, publish, saveOffset, type DrizzleSqlite } from '../src/index.ts'

// Drizzle's real types: the sync kind on better-sqlite3, the async kind on libSQL.
declare const syncDb: BetterSQLite3Database<{ honkerLive: typeof honkerLive }> & { $client: BetterSqlite3 }
declare const syncTx: SQLiteTransaction<'sync', RunResult, Record<string, never>, Record<string, never>>
declare const asyncDb: LibSQLDatabase & { $client: Client }
declare const asyncTx: SQLiteTransaction<'async', ResultSet, Record<string, never>, Record<string, never>>
declare const eitherDb: BaseSQLiteDatabase<'sync' | 'async', unknown>

describe('sync kind (better-sqlite3)', () => {
  test('helpers return plain values, not promises', () => {
    expectTypeOf(enqueue(syncTx, 'emails', { to: 'a@example.com' })).toEqualTypeOf<number>()
    expectTypeOf(enqueue(syncTx, 'emails', {})).not.toEqualTypeOf<Promise<number>>()
    expectTypeOf(notify(syncTx, 'orders', {})).toEqualTypeOf<number>()
    expectTypeOf(publish(syncTx, 'orders', {}, { key: 'k' })).toEqualTypeOf<number>()
    expectTypeOf(saveOffset(syncTx, 'totals', 'orders', 3)).toEqualTypeOf<boolean>()
  })

  test('inside db.transaction the id is returned synchronously', () => {
    const id = syncDb.transaction((tx) => enqueue(tx, 'emails', {}, { priority: 5, delayS: 10 }))
    expectTypeOf(id).toEqualTypeOf<number>()
    expectTypeOf(enqueue(syncDb, 'emails', {})).toEqualTypeOf<number>()
  })
})

describe('async kind (libSQL)', () => {
  test('helpers return promises', () => {
    expectTypeOf(enqueue(asyncTx, 'emails', {})).toEqualTypeOf<Promise<number>>()
    expectTypeOf(notify(asyncTx, 'orders', {})).toEqualTypeOf<Promise<number>>()
    expectTypeOf(publish(asyncTx, 'orders', {})).toEqualTypeOf<Promise<number>>()
    expectTypeOf(saveOffset(asyncTx, 'totals', 'orders', 3)).toEqualTypeOf<Promise<boolean>>()
    expectTypeOf(asyncDb.transaction((tx) => enqueue(tx, 'emails', {}))).toEqualTypeOf<Promise<number>>()
  })

  test('a database of either kind gets either result', () => {
    expectTypeOf(enqueue(eitherDb, 'emails', {})).toEqualTypeOf<number | Promise<number>>()
  })
})

describe('what the parameters accept', () => {
  test('Drizzle databases and transactions of both kinds fit DrizzleSqlite', () => {
    expectTypeOf(syncDb).toMatchTypeOf<DrizzleSqlite<'sync'>>()
    expectTypeOf(syncTx).toMatchTypeOf<DrizzleSqlite<'sync'>>()
    expectTypeOf(asyncTx).toMatchTypeOf<DrizzleSqlite<'async'>>()
    expectTypeOf(asyncTx).not.toMatchTypeOf<DrizzleSqlite<'sync'>>()
  })

  test('non-Drizzle handles are rejected', () => {
    // @ts-expect-error Honker's own Transaction is not a Drizzle database
    enqueue({} as Transaction, 'emails', {})
    // @ts-expect-error a raw better-sqlite3 handle is not a Drizzle database
    notify({} as BetterSqlite3, 'orders', {})
    // @ts-expect-error the publish key goes in options
    publish(syncTx, 'orders', {}, 'key')
  })

  test('createHonker takes the root database: a sync driver\'s (better-sqlite3 here; bun:sqlite in Bun) at once, libSQL\'s as a promise', () => {
    expectTypeOf(createHonker({ db: syncDb })).toEqualTypeOf<Database>()
    expectTypeOf(createHonker({ db: asyncDb })).toEqualTypeOf<Promise<Database>>()
    // @ts-expect-error a transaction has no $client
    createHonker({ db: syncTx })
    // @ts-expect-error a transaction has no $client, on libSQL either
    createHonker({ db: asyncTx })
  })
})
