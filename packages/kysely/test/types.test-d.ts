import type Sqlite from 'better-sqlite3'
import type { ControlledTransaction, Insertable, Kysely, Migration, Selectable, SqliteDatabase, Transaction } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import type { Database } from '@honker/core'
import { createHonker, enqueue, honkerMigration, notify, publish, saveOffset, sqliteDatabaseFor, type HonkerTables } from '../src/index.ts'
import type { AppTables } from './app.ts'

// Checked against Kysely's real types (vitest typecheck, and tsc in the package's `test` script).
declare const db: Kysely<AppTables>
declare const trx: Transaction<AppTables>
declare const controlled: ControlledTransaction<AppTables, ['savepoint']>
declare const sqlite: Sqlite.Database

describe('the transaction parameter', () => {
  it('takes Kysely’s Transaction and ControlledTransaction, for any DB', () => {
    expectTypeOf(enqueue(trx, 'emails', { to: 'a@example.com' }, { priority: 1, delayS: 5 })).toEqualTypeOf<Promise<number>>()
    expectTypeOf(enqueue(controlled, 'emails', null)).toEqualTypeOf<Promise<number>>()
    expectTypeOf(notify(trx, 'orders', { id: 1 })).toEqualTypeOf<Promise<number>>()
    expectTypeOf(publish(trx, 'orders', { id: 1 }, { key: 'order-1' })).toEqualTypeOf<Promise<number>>()
    expectTypeOf(publish(trx, 'orders', { id: 1 })).toEqualTypeOf<Promise<number>>()
    // The positional key of 0.1 still compiles (deprecated).
    expectTypeOf(publish(trx, 'orders', { id: 1 }, 'order-1')).toEqualTypeOf<Promise<number>>()
    expectTypeOf(saveOffset(trx, 'billing', 'orders', 3)).toEqualTypeOf<Promise<boolean>>()
    expectTypeOf<Transaction<{ other: { id: number } }>>().toExtend<Parameters<typeof enqueue>[0]>()
  })

  it('rejects a plain Kysely instance at compile time', () => {
    // @ts-expect-error a Kysely instance is not a transaction (Transaction's `isTransaction` is `true`; Kysely's is `boolean`)
    void enqueue(db, 'emails', {})
    // @ts-expect-error idem
    void notify(db, 'orders', {})
    // @ts-expect-error idem
    void publish(db, 'orders', {})
    // @ts-expect-error idem
    void saveOffset(db, 'billing', 'orders', 1)
    expectTypeOf<Kysely<AppTables>>().not.toExtend<Parameters<typeof enqueue>[0]>()
  })

  it('rejects options core does not know', () => {
    // @ts-expect-error `delay` is not an option (it is `delayS`, in whole seconds)
    void enqueue(trx, 'emails', {}, { delay: 5 })
    // @ts-expect-error the key is a string or null
    void publish(trx, 'orders', {}, { key: 7 })
    // @ts-expect-error a key option publish does not know
    void publish(trx, 'orders', {}, { partition: 'a' })
  })
})

describe('createHonker', () => {
  it('takes the Kysely instance and the better-sqlite3 handle, and returns the core Database', () => {
    expectTypeOf(createHonker({ db, database: sqlite })).toEqualTypeOf<Database>()
    // @ts-expect-error the handle is required: Kysely does not expose it
    createHonker({ db })
    expectTypeOf(createHonker({ db, database: sqliteDatabaseFor(sqlite) })).toEqualTypeOf<Database>()
    expectTypeOf(sqliteDatabaseFor(sqlite)).toEqualTypeOf<SqliteDatabase>()
  })
})

describe('schema types', () => {
  it('honkerMigration is a Kysely Migration', () => {
    expectTypeOf(honkerMigration).toExtend<Migration>()
    expectTypeOf(honkerMigration.down).toEqualTypeOf<(db: Kysely<any>) => Promise<void>>()
  })

  it('HonkerTables types the Honker tables for Kysely queries', () => {
    const typed = db.withTables<HonkerTables>()
    expectTypeOf(typed).toEqualTypeOf<Kysely<AppTables & HonkerTables>>()
    expectTypeOf<Selectable<HonkerTables['_honker_live']>['state']>().toEqualTypeOf<'pending' | 'processing'>()
    expectTypeOf<Selectable<HonkerTables['_honker_live']>['worker_id']>().toEqualTypeOf<string | null>()
    expectTypeOf<Selectable<HonkerTables['_honker_stream']>['offset']>().toEqualTypeOf<number>()
    // Generated columns are optional on insert; required ones are not.
    expectTypeOf<{ queue: string; payload: string }>().toExtend<Insertable<HonkerTables['_honker_live']>>()
    expectTypeOf<{ queue: string }>().not.toExtend<Insertable<HonkerTables['_honker_live']>>()
    const query = typed.selectFrom('_honker_live').innerJoin('orders', 'orders.id', '_honker_live.id').select(['_honker_live.state', 'orders.note'])
    expectTypeOf(query.executeTakeFirstOrThrow()).resolves.toEqualTypeOf<{ state: 'pending' | 'processing'; note: string | null }>()
  })
})
