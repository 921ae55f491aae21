/**
 * pg-boss's enqueue, in one process, in a fresh schema per run: `await boss.send(queue, data)`
 * (one job per call) and `await boss.insert(queue, jobs)` (100 per call, one statement). The
 * instance runs no cron and no maintenance loop (`schedule: false, supervise: false`), as a
 * producer next to separate workers would.
 */
import { PgBoss } from 'pg-boss'
import { throughputAsync } from '../../lib/measure.mjs'
import { POOL_MAX, settleServer } from '../../lib/postgres.mjs'
import { withSchema } from '../../lib/pg-run.mjs'
import { QUEUE } from '../../lib/sql.mjs'

async function measured(params, fn) {
  return withSchema(params, 'pgboss', async ({ pool, schema, url }) => {
    const boss = new PgBoss({ connectionString: url, schema, max: POOL_MAX, schedule: false, supervise: false })
    boss.on('error', () => {})
    await boss.start()
    try {
      await boss.createQueue(QUEUE)
      await settleServer(pool, schema)
      return await fn(boss)
    } finally {
      await boss.stop({ graceful: false, close: true, timeout: 5000 })
    }
  })
}

export function enqueue1(params) {
  return measured(params, (boss) => {
    let i = 0
    return throughputAsync(async () => {
      await boss.send(QUEUE, { i: i++ })
      return 1
    }, { units: params.units })
  })
}

export function enqueue100(params) {
  return measured(params, (boss) => {
    let i = 0
    return throughputAsync(async () => {
      const jobs = new Array(100)
      for (let k = 0; k < 100; k++) jobs[k] = { data: { i: i++ } }
      await boss.insert(QUEUE, jobs)
      return 100
    }, { units: params.units })
  })
}
