// kysely-app: an orders app on Kysely with @honker/kysely, on SQLite or PostgreSQL.
//
//   node dist/main.js            200 orders, a worker process with concurrency 1
//   node dist/main.js --quick    30 orders (CI); exits 1 if any check fails
//   options: --orders N  --keep (keep the database file, or the database on DATABASE_URL's server)
//   HONKER_ENGINE=postgres       on PostgreSQL: a new database on DATABASE_URL's server, or on a
//                                throwaway cluster started for the run (see src/db.ts)
//
// 1. Kysely's Migrator creates the Honker tables (one entry in the app's history) and the app's own.
// 2. A worker process (dist/worker.js) starts, woken by commits only (SQLite: the commit watcher;
//    PostgreSQL: LISTEN/NOTIFY).
// 3. Checkouts write the order row and enqueue its email job in one Kysely transaction; declined
//    cards roll both back.
// 4. Checks: every placed order emailed exactly once, no job for a declined order, queue drained.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CardDeclinedError, placeOrder } from './checkout.js'
import { createFreshDatabase, ENGINE, HONKER_SCHEMA, openDatabase } from './db.js'
import { createMigrator } from './migrations.js'

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false }, orders: { type: 'string' } },
})
const ORDERS = Number(args.orders ?? (args.quick ? 30 : 200))
const DEADLINE_MS = 30_000

const problems: string[] = []
const say = (line = ''): void => console.log(line)
function check(ok: boolean, what: string): void {
  say(`   ${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) problems.push(what)
}

let child: ChildProcess | undefined
const deadline = setTimeout(() => {
  console.error(`kysely-app: not finished after ${DEADLINE_MS} ms`)
  child?.kill('SIGKILL')
  process.exit(1)
}, DEADLINE_MS)

const fresh = await createFreshDatabase()
const app = openDatabase(fresh.location)
const { db } = app

try {
  say(`== 1. Migrations (Kysely Migrator) on ${ENGINE}: ${fresh.shown}`)
  const { results, error } = await createMigrator(db).migrateToLatest()
  if (error !== undefined) throw error
  for (const result of results ?? []) say(`   ${result.status.padEnd(7)} ${result.migrationName}`)
  const ledger = async () =>
    JSON.stringify(await db.withSchema(HONKER_SCHEMA).selectFrom('_honker_ts_migrations').select(['version', 'name', 'applied_at']).orderBy('version').execute())
  const ledgerBefore = await ledger()
  await app.honker() // Honker's own open(): its connection to the file, or the app's pool
  check((await ledger()) === ledgerBefore && ledgerBefore !== '[]', "Honker's own migration found nothing left to do")

  say('\n== 2. Worker process')
  const completed = new Map<number, number>() // job id -> times completed
  const workerErrors: string[] = []
  let onCompleted = (): void => {}
  child = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [fresh.location, '1'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)))
  const ready = new Promise<void>((resolve) => {
    child!.on('message', (message: { type: string; jobId?: number; message?: string; pid?: number; stats?: unknown }) => {
      if (message.type === 'ready') {
        say(`   worker ready (pid ${message.pid})`)
        resolve()
      } else if (message.type === 'completed') {
        completed.set(message.jobId!, (completed.get(message.jobId!) ?? 0) + 1)
        onCompleted()
      } else if (message.type === 'error') {
        workerErrors.push(message.message!)
      } else if (message.type === 'stopped') {
        say(`   worker stopped: ${JSON.stringify(message.stats)}`)
      }
    })
  })
  await ready

  say(`\n== 3. ${ORDERS} checkouts, one Kysely transaction each (every 7th card declined)`)
  const placed = new Map<number, number>() // order id -> job id
  let declined = 0
  const started = performance.now()
  for (let i = 1; i <= ORDERS; i++) {
    const input = { customer: `customer-${i}`, email: `c${i}@example.com`, totalCents: 1000 + i, card: i % 7 === 0 ? 'declined' : 'ok' } as const
    try {
      const { orderId, jobId } = await placeOrder(db, input)
      placed.set(orderId, jobId)
    } catch (error) {
      if (!(error instanceof CardDeclinedError)) throw error
      declined++
    }
  }
  const jobIds = new Set(placed.values())
  await new Promise<void>((resolve) => {
    onCompleted = () => {
      if ([...jobIds].every((id) => completed.has(id))) resolve()
    }
    onCompleted()
  })
  say(`   ${placed.size} orders placed, ${declined} declined; all ${placed.size} emails sent ${(performance.now() - started).toFixed(0)} ms after the first checkout`)

  say('\n== 4. Checks')
  const orders = await db.selectFrom('orders').select(['id', 'status']).execute()
  const emails = await db.selectFrom('emails').select(['order_id']).execute()
  // count(*) is a bigint on PostgreSQL, which node-postgres reads as a string: Number() it.
  const live = await db.withSchema(HONKER_SCHEMA).selectFrom('_honker_live').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
  const dead = await db.withSchema(HONKER_SCHEMA).selectFrom('_honker_dead').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
  check(declined > 0 && orders.length === placed.size, `declined checkouts left no order row (${orders.length} rows for ${placed.size} placed)`)
  check(completed.size === placed.size, `one job per placed order and none for a declined one (${completed.size} jobs ran)`)
  check([...completed.values()].every((times) => times === 1), 'no job ran twice')
  check(orders.every((order) => order.status === 'emailed'), 'every order is emailed')
  check(emails.length === placed.size && emails.every((email) => placed.has(email.order_id)), 'exactly one email per order')
  check(Number(live.n) === 0 && Number(dead.n) === 0, 'queue drained, nothing dead-lettered (read with HonkerTables through Kysely)')
  check(workerErrors.length === 0, `worker reported no errors${workerErrors.length > 0 ? `: ${workerErrors.join('; ')}` : ''}`)

  child.kill('SIGTERM')
  check((await exited) === 0, 'worker stopped gracefully (exit 0)')
} catch (error) {
  problems.push(String(error))
  console.error(error)
  child?.kill('SIGKILL')
} finally {
  clearTimeout(deadline)
  await app.close()
  if (await fresh.drop({ keep: args.keep })) say(`\n   database kept at ${fresh.shown}`)
}

say(problems.length === 0 ? `\nkysely-app (${ENGINE}): all checks passed` : `\nkysely-app (${ENGINE}): ${problems.length} check(s) failed`)
process.exit(problems.length === 0 ? 0 : 1)
