/**
 * graphile-worker's enqueue, in one process, in a fresh schema per run, through WorkerUtils on a
 * pool of POOL_MAX: `await utils.addJob(task, payload)` (one job per call) and
 * `await utils.addJobs(specs)` (100 per call, one `add_jobs` statement).
 */
import { Logger, makeWorkerUtils } from 'graphile-worker'
import { throughputAsync } from '../../lib/measure.mjs'
import { POOL_MAX, pgPool, settleServer } from '../../lib/postgres.mjs'
import { withSchema } from '../../lib/pg-run.mjs'

const silent = new Logger(() => () => {})

async function measured(params, fn) {
  return withSchema(params, 'graphile', async ({ pool, schema, url }) => {
    const app = pgPool(url, POOL_MAX)
    const utils = await makeWorkerUtils({ pgPool: app, schema, logger: silent })
    try {
      await utils.migrate()
      await settleServer(pool, schema)
      return await fn(utils)
    } finally {
      await utils.release()
      await app.end()
    }
  })
}

export function enqueue1(params) {
  return measured(params, (utils) => {
    let i = 0
    return throughputAsync(async () => {
      await utils.addJob('bench', { i: i++ })
      return 1
    }, { units: params.units })
  })
}

export function enqueue100(params) {
  return measured(params, (utils) => {
    let i = 0
    return throughputAsync(async () => {
      const specs = new Array(100)
      for (let k = 0; k < 100; k++) specs[k] = { identifier: 'bench', payload: { i: i++ } }
      await utils.addJobs(specs)
      return 100
    }, { units: params.units })
  })
}
