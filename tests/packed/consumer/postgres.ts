// @honker/postgres in an app on PostgreSQL, and its adapter entry for ORM authors. The pool is
// typed structurally, as the package takes it: pg's own declarations (pg-protocol) do not compile
// with skipLibCheck off on TypeScript before 5.7, whatever uses them. That a real pg.Pool fits is
// checked by packages/postgres's typecheck, whose tests pass one.
import { open, HonkerError, type PgDatabase, type PgJob, type PgPool, type QueueCounts } from '@honker/postgres'
import { migrationScripts, pgWriter, type PgQueryable } from '@honker/postgres/adapter'

declare const pool: PgPool

export async function run(): Promise<number> {
  const db: PgDatabase = await open({ postgres: pool, schema: 'honker' })
  const id = await db.transaction(async (tx) => {
    await tx.query('INSERT INTO orders (id) VALUES ($1)', [1])
    await db.notify('orders', { id: 1 }, { tx })
    return db.queue<{ orderId: number }>('emails').enqueue({ orderId: 1 }, { tx, priority: 2 })
  })
  const worker = db.queue<{ orderId: number }>('emails').work(async (job: PgJob<{ orderId: number }>) => job.payload.orderId, { concurrency: 4 })
  worker.on('job:completed', (job) => console.log(job.id))
  const counts: QueueCounts = await db.queue('emails').counts()
  for await (const note of await db.listen<{ id: number }>('orders', { signal: AbortSignal.timeout(10) })) console.log(note.payload.id)
  const runner: PgQueryable = pool
  await pgWriter({ schema: 'honker' }).enqueue(runner, 'emails', { orderId: 2 })
  console.log(migrationScripts('honker').length, counts.pending, HonkerError.isInstance(new Error()))
  await worker.stop()
  db.close()
  return id
}
