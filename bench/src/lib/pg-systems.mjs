/**
 * The three job systems of the PostgreSQL figures behind one shape, so the multi-process figures
 * (worker end to end, wake latency, idle CPU: cases/postgres/procs.mjs and procs/pg-worker.mjs)
 * run the same steps for each:
 *
 * - `setup(url, pool, schema, variant)`: create the system's schema (its own migrations) and return
 *   a handle with `prefill(n)`, `producer()` (enqueue one job, resolving once committed),
 *   `remaining()` (jobs not finished yet, read from its tables) and `close()`.
 * - `worker(url, schema, variant)`: in a worker process, `start(handler, concurrency)` runs the
 *   system's own worker loop with `handler(payloads)` called as each job (or batch) starts, and
 *   `stop()` shuts it down and ends its pool.
 *
 * Every system gets a pool of POOL_MAX connections per process. Settings that differ from a
 * system's defaults are listed in each entry; bench/README.md explains each.
 */
import { EventEmitter } from 'node:events'
import { open } from '@honker/postgres'
import { PgBoss } from 'pg-boss'
import { Logger, makeWorkerUtils, run } from 'graphile-worker'
import { POOL_MAX, pgPool, prefillHonker } from './postgres.mjs'
import { QUEUE } from './sql.mjs'
import { TRACED_CARRIER, installBareTracingHook, tracingSdk } from './tracing.mjs'

const CHUNK = 1000
/** graphile-worker logs every completed job at INFO; the figures measure the queue, not the console. */
const silent = new Logger(() => () => {})

/** pg-boss's lowest polling interval (its POLICY.MIN_POLLING_INTERVAL_MS is 500). */
export const PGBOSS_POLL_S = 0.5

/**
 * pg-boss worker settings per figure. `e2e`: one job per fetch, `localConcurrency` fetch loops,
 * and the burst trigger (fetch again at once while the queue's cached ready count exceeds 1 and
 * the last fetch came back full), without which each loop sleeps the polling interval after every
 * fetch: 2 jobs/s per loop at 0.5 s. `wake-poll`/`wake-notify`: up to 100 jobs per fetch (each
 * poll takes whatever arrived), polling every 0.5 s, with or without LISTEN/NOTIFY.
 */
function pgBossWorkOptions(variant, concurrency) {
  if (variant === 'e2e') {
    return { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: PGBOSS_POLL_S, burstWhenReadyExceeds: 1 }
  }
  return { batchSize: 100, pollingIntervalSeconds: PGBOSS_POLL_S, notifyPollingIntervalSeconds: PGBOSS_POLL_S }
}

function newBoss(url, schema, variant, extra = {}) {
  const boss = new PgBoss({
    connectionString: url,
    schema,
    max: POOL_MAX,
    // Workers only: no cron, no maintenance loop (pg-boss's advice for scaled-out workers).
    schedule: false,
    supervise: false,
    useListenNotify: variant === 'wake-notify',
    ...extra,
  })
  boss.on('error', () => {})
  return boss
}

async function chunked(total, fn) {
  for (let done = 0; done < total; done += CHUNK) {
    const n = Math.min(CHUNK, total - done)
    await fn(Array.from({ length: n }, (_, k) => done + k), done)
  }
}

/** Honker's set-up with every prefilled job carrying the stored producer context. */
async function tracedSetup(url, pool, schema, variant) {
  const handle = await SYSTEMS.honker.setup(url, pool, schema, variant)
  return {
    ...handle,
    async prefill(n) {
      await handle.prefill(n)
      await pool.query(`UPDATE ${schema}._honker_live SET trace_context = $1`, [TRACED_CARRIER])
    },
  }
}

/** Honker's worker with the tracing SDK on; `instrument(tracerProvider)` resolves its remover. */
async function tracedWorker(url, schema, instrument) {
  const { tracerProvider } = await tracingSdk(1_000_000)
  const uninstrument = await instrument(tracerProvider)
  const worker = await honkerWorker(url, schema, {})
  return {
    ...worker,
    async stop() {
      await worker.stop()
      uninstrument()
      await tracerProvider.shutdown()
    },
  }
}

/** A Honker worker process's handle on a pool of its own; `options` go to `open()`. */
async function honkerWorker(url, schema, options) {
  const pool = pgPool(url)
  const db = await open({ postgres: pool, schema, migrate: false, ...options })
  const queue = db.queue(QUEUE)
  let worker = null
  return {
    wakeReady: async () => {
      while (db.wakeState !== 'listening') await new Promise((resolve) => setTimeout(resolve, 10))
    },
    start(handler, concurrency, onError) {
      worker = queue.work((job) => handler([job.payload]), { concurrency })
      worker.on('worker:error', (error) => onError(error))
    },
    async stop() {
      await worker?.stop({ timeoutMs: 5000 })
      db.close()
      await pool.end()
    },
  }
}

export const SYSTEMS = {
  honker: {
    prefix: 'honker',
    async setup(url, pool, schema) {
      const db = await open({ postgres: pool, schema })
      const queue = db.queue(QUEUE)
      return {
        prefill: (n) => prefillHonker(pool, schema, n),
        producer: () => ({ enqueue: (payload) => queue.enqueue(payload) }),
        remaining: async () => Number((await pool.query(`SELECT count(*) AS n FROM ${schema}._honker_live WHERE queue = $1`, [QUEUE])).rows[0].n),
        close: async () => db.close(),
      }
    },
    worker: (url, schema) => honkerWorker(url, schema, {}),
  },

  // The same with every worker step waiting for its WAL flush, as the peers' workers do.
  'honker-durable': {
    prefix: 'honker',
    setup: (...args) => SYSTEMS.honker.setup(...args),
    worker: (url, schema) => honkerWorker(url, schema, { asyncWorkerCommits: false }),
  },

  // Tracing on (issue 19): every prefilled job carries a stored producer context; each worker
  // process records a CONSUMER span per attempt (always sample, in-memory exporter, batching processor).
  'honker-traced': {
    prefix: 'honker',
    setup: tracedSetup,
    worker: (url, schema) =>
      tracedWorker(url, schema, async (tracerProvider) => {
        const { instrumentHonker } = await import('@honker/otel')
        const telemetry = instrumentHonker({ tracerProvider, metrics: false })
        return () => telemetry.disable()
      }),
  },

  // Its ceiling: the same, with @honker/otel replaced by the bare SDK hook (lib/tracing.mjs).
  'honker-traced-ceiling': {
    prefix: 'honker',
    setup: tracedSetup,
    worker: (url, schema) => tracedWorker(url, schema, installBareTracingHook),
  },

  pgboss: {
    prefix: 'pgboss',
    async setup(url, pool, schema, variant) {
      // This instance runs the migrations, creates the queue (notify for the LISTEN/NOTIFY wake
      // figure), fills it, caches its stats (supervise) and stops before any worker starts.
      const boss = newBoss(url, schema, variant)
      await boss.start()
      await boss.createQueue(QUEUE, { notify: variant === 'wake-notify' })
      let stopped = false
      return {
        prefill: async (n) => {
          await chunked(n, (ids) => boss.insert(QUEUE, ids.map((i) => ({ data: { i } }))))
          // The burst trigger reads the queue's cached ready count: compute it now, as pg-boss's
          // monitor does every minute under a steady backlog.
          await boss.supervise(QUEUE)
        },
        producer: () => ({ enqueue: (payload) => boss.send(QUEUE, payload) }),
        remaining: async () =>
          Number((await pool.query(`SELECT count(*) AS n FROM ${schema}.job WHERE name = $1 AND state < 'completed'`, [QUEUE])).rows[0].n),
        close: async () => {
          if (stopped) return
          stopped = true
          await boss.stop({ graceful: false, close: true, timeout: 5000 })
        },
      }
    },
    async worker(url, schema, variant) {
      const boss = newBoss(url, schema, variant, { migrate: false })
      await boss.start()
      return {
        wakeReady: async () => {},
        async start(handler, concurrency, onError) {
          boss.on('error', onError)
          await boss.work(QUEUE, pgBossWorkOptions(variant, concurrency), async (jobs) => handler(jobs.map((job) => job.data)))
        },
        async stop() {
          await boss.stop({ graceful: true, close: true, timeout: 5000 })
        },
      }
    },
  },

  graphile: {
    prefix: 'graphile',
    async setup(url, pool, schema) {
      const utils = await makeWorkerUtils({ pgPool: pool, schema, logger: silent })
      await utils.migrate()
      return {
        prefill: (n) => chunked(n, (ids) => utils.addJobs(ids.map((i) => ({ identifier: 'bench', payload: { i } })))),
        producer: () => ({ enqueue: (payload) => utils.addJob('bench', payload) }),
        remaining: async () => Number((await pool.query(`SELECT count(*) AS n FROM ${schema}._private_jobs`)).rows[0].n),
        close: () => utils.release(),
      }
    },
    async worker(url, schema) {
      const pool = pgPool(url)
      let runner = null
      const events = new EventEmitter()
      const listening = new Promise((resolve) => events.once('pool:listen:success', resolve))
      return {
        wakeReady: () => listening,
        async start(handler, concurrency, onError) {
          events.on('job:error', ({ error }) => onError(error))
          runner = await run({
            pgPool: pool,
            schema,
            concurrency,
            noHandleSignals: true,
            logger: silent,
            events,
            taskList: { bench: async (payload) => handler([payload]) },
          })
        },
        async stop() {
          await runner?.stop()
          await pool.end()
        },
      }
    },
  },
}
