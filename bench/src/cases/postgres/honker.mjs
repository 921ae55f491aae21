/**
 * @honker/postgres through its public API, in one process, on a pool of its own (POOL_MAX
 * connections), in a fresh schema per run. Backlogs are written with raw SQL before the timed span.
 */
import { open } from '@honker/postgres'
import { throughputAsync } from '../../lib/measure.mjs'
import { POOL_MAX, pgPool, prefillHonker, settleServer } from '../../lib/postgres.mjs'
import { withSchema } from '../../lib/pg-run.mjs'
import { QUEUE } from '../../lib/sql.mjs'

const WORKER = 'honker-worker'

async function measured(params, prefill, fn) {
  return withSchema(params, 'honker', async ({ pool, schema, url }) => {
    const app = pgPool(url, POOL_MAX)
    const db = await open({ postgres: app, schema })
    try {
      if (prefill > 0) await prefillHonker(pool, schema, prefill)
      await settleServer(pool, schema)
      return await fn(db.queue(QUEUE))
    } finally {
      db.close()
      await app.end()
    }
  })
}

/** `await queue.enqueue(payload)`: one statement, one transaction per job. */
export function enqueue1(params) {
  return measured(params, 0, (queue) => {
    let i = 0
    return throughputAsync(async () => {
      await queue.enqueue({ i: i++ })
      return 1
    }, { units: params.units })
  })
}

/** `await queue.enqueueMany(payloads)`: 100 jobs per statement. */
export function enqueue100(params) {
  return measured(params, 0, (queue) => {
    let i = 0
    return throughputAsync(async () => {
      const payloads = new Array(100)
      for (let k = 0; k < 100; k++) payloads[k] = { i: i++ }
      await queue.enqueueMany(payloads)
      return 100
    }, { units: params.units })
  })
}

/** `claimOne` + `job.ack()` for a batch of 1, `claimBatch` + `queue.ackBatch` otherwise. */
export async function claimAck(params) {
  const { units, backlog, batch } = params
  const warmupUnits = Math.ceil(units / 10)
  const result = await measured(params, backlog + units + warmupUnits + 2 * batch, (queue) =>
    throughputAsync(
      batch === 1
        ? async () => {
            const job = await queue.claimOne(WORKER)
            if (job === null) throw new Error('claimOne found no job: backlog ran out')
            if (!(await job.ack())) throw new Error('ack missed')
            return 1
          }
        : async () => {
            const jobs = await queue.claimBatch(WORKER, batch)
            if (jobs.length !== batch) throw new Error(`claimed ${jobs.length} of ${batch}: backlog ran out`)
            if ((await queue.ackBatch(jobs, WORKER)) !== batch) throw new Error('batch ack missed')
            return batch
          },
      { units, warmupUnits },
    ),
  )
  return { ...result, detail: { backlog } }
}

/** `await queue.enqueue(payload, { uniqueKey })`: every key new (issue 17). */
export function enqueueUnique1(params) {
  return measured(params, 0, (queue) => {
    let i = 0
    return throughputAsync(async () => {
      if (!(await queue.enqueue({ i }, { uniqueKey: `key-${i++}` })).created) throw new Error('a new key was not created')
      return 1
    }, { units: params.units })
  })
}

/**
 * `claimOne` + `job.ack()` on a queue whose claim takes the locked path: `concurrency` (a limit
 * the single claimer never reaches) or `groups` (10 groups, 4 each).
 */
export async function claimAckLimited(params) {
  const { units, backlog, limits } = params
  const warmupUnits = Math.ceil(units / 10)
  return withSchema(params, 'honker', async ({ pool, schema, url }) => {
    const app = pgPool(url, POOL_MAX)
    const db = await open({ postgres: app, schema })
    try {
      await prefillHonker(pool, schema, backlog + units + warmupUnits + 2)
      if (limits === 'groups') await pool.query(`UPDATE ${schema}._honker_live SET group_key = 'tenant-' || (id % 10)`)
      await settleServer(pool, schema)
      const queue = db.queue(QUEUE)
      if (limits === 'concurrency') await queue.setConcurrency(1000)
      else await queue.setGroupConcurrency(4)
      const result = await throughputAsync(async () => {
        const job = await queue.claimOne(WORKER)
        if (job === null) throw new Error('claimOne found no job: backlog ran out')
        if (!(await job.ack())) throw new Error('ack missed')
        return 1
      }, { units, warmupUnits })
      return { ...result, detail: { backlog, limits } }
    } finally {
      db.close()
      await app.end()
    }
  })
}
