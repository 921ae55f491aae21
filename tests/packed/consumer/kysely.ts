// @honker/kysely in a Kysely app on SqliteDialect (better-sqlite3).
import Sqlite from 'better-sqlite3'
import { Kysely, Migrator, type Generated, type Migration, type MigrationProvider } from 'kysely'
import {
  ImmediateSqliteDialect,
  createHonker,
  enqueue,
  honkerMigration,
  notify,
  publish,
  saveOffset,
  type HonkerTables,
} from '@honker/kysely'

interface DB extends HonkerTables {
  orders: { id: Generated<number>; total: number }
}

const sqlite = new Sqlite('app.db')
const db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) })
const provider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { '0000_honker': honkerMigration }
  },
}
const migrator = new Migrator({ db, provider })

export async function run(): Promise<number> {
  await migrator.migrateToLatest()
  const jobId = await db.transaction().execute(async (trx) => {
    const order = await trx.insertInto('orders').values({ total: 42 }).returning('id').executeTakeFirstOrThrow()
    await notify(trx, 'orders', { id: order.id })
    const offset: number = await publish(trx, 'orders', { id: order.id }, { key: `order-${order.id}` })
    const moved: boolean = await saveOffset(trx, 'billing', 'orders', offset)
    console.log(moved)
    return enqueue(trx, 'emails', { orderId: order.id }, { maxAttempts: 5 })
  })
  const pending = await db.selectFrom('_honker_live').select(['id', 'queue']).where('state', '=', 'pending').execute()
  const honker = createHonker({ db, database: sqlite })
  honker.queue<{ orderId: number }>('emails').work(async (job) => console.log(job.payload.orderId, pending.length))
  return jobId
}
