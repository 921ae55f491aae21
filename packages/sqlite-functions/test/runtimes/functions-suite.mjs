// The SQL functions on one library, in that library's own runtime: `node functions-suite.mjs
// better-sqlite3 <dir>` (Node 20), `node24 functions-suite.mjs node:sqlite <dir>`, `bun
// functions-suite.mjs bun:sqlite <dir>`. Plain JavaScript over the BUILT packages (dist/), as an
// app would run them. One JSON line per check ({ check, ok, error? }), then { done, driver, sqlite }.
// SQL runs through core's driver port (wrapHandle), so every check reads the same on each library.
import { createRequire } from 'node:module'
import path from 'node:path'
import { open, nextAfter } from '@honker/core'
import { wrapHandle } from '@honker/core/adapter'
import { EXTENSION_UNSUPPORTED, registerFunctions } from '../../dist/index.js'

const [driver, dir] = process.argv.slice(2)
const require = createRequire(import.meta.url)

/** The app's own handle, opened the way the library's docs say (node:sqlite must allow extensions). */
async function appHandle(file, options = {}) {
  if (driver === 'better-sqlite3') return new (require('better-sqlite3'))(file)
  if (driver === 'node:sqlite') {
    const { DatabaseSync } = await import('node:sqlite')
    return new DatabaseSync(file, { allowExtension: options.allowExtension ?? true })
  }
  const { Database } = await import('bun:sqlite')
  return new Database(file)
}

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`)
const checks = []
const check = (name, fn) => checks.push({ name, fn })

function assert(condition, message) {
  if (!condition) throw new Error(message)
}
function equal(actual, expected, what) {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`)
}
function throwsCode(fn, code) {
  try {
    fn()
  } catch (error) {
    if (error?.code === code) return error
    throw new Error(`expected code ${code}, got ${error?.code}: ${error?.message}`)
  }
  throw new Error(`expected code ${code}, nothing was thrown`)
}

const START_S = 1_800_000_000
let nowMs = START_S * 1000
const clock = { now: () => nowMs }

const file = path.join(dir, 'app.db')
const handle = await appHandle(file)
const app = wrapHandle(handle)
/** One value from one SQL call on the app's connection. */
const one = (sql, ...params) => app.prepare(sql).value(params)
/** Core's API on its own connection of the same library: one SQLite copy in the process. */
let core

check('registerFunctions takes this library\'s handle; honker_now() is the clock, as INTEGER', () => {
  registerFunctions(handle, { clock })
  equal(one('SELECT honker_now()'), START_S, 'honker_now()')
  equal(one('SELECT typeof(honker_now())'), 'integer', 'typeof')
  core = open(file, { driver, clock })
})

check('notify() from SQL wakes a core listener on another connection', async () => {
  const abort = new AbortController()
  const listener = core.listen('orders', { signal: abort.signal })
  const next = listener[Symbol.asyncIterator]().next()
  const id = one(`SELECT notify('orders', json_object('n', 1))`)
  const timer = setTimeout(() => abort.abort(), 10_000)
  const { value } = await next
  clearTimeout(timer)
  abort.abort()
  assert(value !== undefined, 'no notification within 10 s')
  equal([value.id, value.channel, value.payload], [Number(id), 'orders', { n: 1 }], 'notification')
})

check('honker_enqueue in a trigger commits and rolls back with the row', () => {
  app.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL);
    CREATE TRIGGER orders_outbox AFTER INSERT ON orders BEGIN
      SELECT honker_enqueue('receipts', json_object('order', new.id), NULL, NULL, 0, 3, NULL);
      SELECT honker_stream_publish('orders', NULL, json_object('order', new.id));
    END`)
  app.exec('BEGIN')
  app.exec('INSERT INTO orders (id, total) VALUES (1, 10)')
  equal(one(`SELECT count(*) FROM _honker_live WHERE queue = 'receipts'`), 1, 'jobs inside the transaction')
  app.exec('ROLLBACK')
  equal(one(`SELECT count(*) FROM _honker_live WHERE queue = 'receipts'`), 0, 'jobs after ROLLBACK')
  app.exec('INSERT INTO orders (id, total) VALUES (2, 20)')
  const job = core.queue('receipts').claimOne('w')
  equal(job?.payload, { order: 2 }, 'the job core claims')
  job.ack()
  equal(core.stream('orders').readSince(0, 10).map((event) => event.payload), [{ order: 2 }], 'stream events')
})

check('honker_claim_batch claims by priority with the clock\'s expiry; honker_ack_batch acks', () => {
  const ids = [0, 5, 1].map((priority) => Number(one(`SELECT honker_enqueue('batch', ?, NULL, NULL, ?, 3, NULL)`, JSON.stringify({ priority }), priority)))
  const claimed = JSON.parse(one(`SELECT honker_claim_batch('batch', 'w1', 2, 60)`))
  equal(claimed.map((job) => [job.id, job.worker_id, job.claim_expires_at, JSON.parse(job.payload).priority]), [
    [ids[1], 'w1', START_S + 60, 5],
    [ids[2], 'w1', START_S + 60, 1],
  ], 'claimed rows')
  equal(one(`SELECT honker_ack_batch(?, 'w1')`, JSON.stringify(claimed.map((job) => job.id))), 2, 'acked')
  equal(core.queue('batch').counts(), { pending: 1, delayed: 0, processing: 0, dead: 0 }, 'counts')
})

check('scheduler functions reach core\'s cron through the JS function (C calls JS calls C)', () => {
  equal(one(`SELECT honker_scheduler_register('nightly', 'reports', '0 3 * * *', 'null', 0, NULL)`), 1, 'registered')
  equal(one(`SELECT next_fire_at FROM _honker_scheduler_tasks WHERE name = 'nightly'`), nextAfter('0 3 * * *', START_S), 'next_fire_at')
  // The JS function's own error, with its code, out of the C function that called it.
  throwsCode(() => one(`SELECT honker_scheduler_register('bad', 'reports', 'every day', 'null', 0, NULL)`), 'invalid_cron')
  equal(one('SELECT count(*) FROM _honker_scheduler_tasks'), 1, 'tasks after the failed register')
})

check('the functions join a transaction core runs on the same handle', () => {
  const shared = open({ database: handle, clock })
  try {
    throwsCode(() => shared.transaction(() => {
      shared.queue('tx').enqueue({ from: 'api' })
      one(`SELECT honker_enqueue('tx', '{"from":"sql"}', NULL, NULL, 0, 3, NULL)`)
      equal(shared.queue('tx').counts().pending, 2, 'inside')
      throw Object.assign(new Error('roll back'), { code: 'rolled_back' })
    }), 'rolled_back')
    equal(shared.queue('tx').counts().pending, 0, 'after the rollback')
  } finally {
    shared.close()
  }
})

if (driver === 'node:sqlite') {
  check('a DatabaseSync opened without allowExtension: extension_unsupported, and the file is left alone', async () => {
    const refused = await appHandle(path.join(dir, 'refused.db'), { allowExtension: false })
    const error = throwsCode(() => registerFunctions(refused), EXTENSION_UNSUPPORTED)
    assert(/allowExtension: true/.test(error.message), error.message)
    equal(wrapHandle(refused).prepare('SELECT count(*) FROM sqlite_master').value(), 0, 'schema objects')
    refused.close()
  })
}

if (driver === 'bun:sqlite') {
  check('a bun:sqlite without Database.function (an older Bun) is refused with extension_unsupported', () => {
    const older = Object.create(handle, { function: { value: undefined } })
    const error = throwsCode(() => registerFunctions(older), EXTENSION_UNSUPPORTED)
    assert(/Database\.function/.test(error.message), error.message)
  })
}

for (const { name, fn } of checks) {
  try {
    await fn()
    print({ check: name, ok: true })
  } catch (error) {
    print({ check: name, ok: false, error: `${error?.code ?? ''} ${error?.stack ?? error}` })
  }
}
const sqlite = one('SELECT sqlite_version()')
core?.close()
handle.close()
print({ done: true, driver, sqlite, checks: checks.length })
