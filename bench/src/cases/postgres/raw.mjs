/**
 * The raw ceilings on PostgreSQL: hand-written SQL through a `pg` Pool (the same pool size every
 * system gets), named prepared statements, on the table shape `open()` from @honker/postgres
 * creates (`_honker_live` and its indexes), with times passed as parameters. One statement per
 * transaction (autocommit), as Honker's operations are.
 */
import { open } from '@honker/postgres'
import { throughputAsync } from '../../lib/measure.mjs'
import { POOL_MAX, nowS, pgPool, prefillHonker, settleServer } from '../../lib/postgres.mjs'
import { withSchema } from '../../lib/pg-run.mjs'
import { QUEUE } from '../../lib/sql.mjs'

const WORKER = 'raw-worker'
const VISIBILITY_S = 300
const COLUMNS = 'queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at'

export function sql(s) {
  return {
    insert: `INSERT INTO ${s}._honker_live (${COLUMNS}) VALUES ($1, $2, 'pending', 0, $3, 0, 3, $3, NULL)`,
    insertMany: `INSERT INTO ${s}._honker_live (${COLUMNS})
      SELECT $1, p, 'pending', 0, $3, 0, 3, $3, NULL FROM unnest($2::text[]) AS p`,
    /** Honker's claim predicate (lapsed claims, attempts, expiry) in its index order, SKIP LOCKED. */
    claim: `UPDATE ${s}._honker_live
      SET state = 'processing', worker_id = $2, claim_expires_at = $3::bigint + ${VISIBILITY_S}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM ${s}._honker_live
        WHERE queue = $1 AND state IN ('pending', 'processing')
          AND attempts < max_attempts
          AND (expires_at IS NULL OR expires_at > $3)
          AND ((state = 'pending' AND run_at <= $3) OR (state = 'processing' AND claim_expires_at < $3))
        ORDER BY priority DESC, run_at, id
        LIMIT $4
        FOR UPDATE SKIP LOCKED)
      RETURNING id, queue, payload, state, priority, run_at, worker_id, claim_expires_at, attempts, max_attempts, created_at, expires_at`,
    ack: `DELETE FROM ${s}._honker_live WHERE id = $1 AND worker_id = $2 AND claim_expires_at >= $3`,
    ackMany: `DELETE FROM ${s}._honker_live WHERE id = ANY($1::bigint[]) AND worker_id = $2 AND claim_expires_at >= $3`,
  }
}

/** Honker's tables in `schema` (its migrations), then a pool for the measured statements. */
async function prepare(pool, schema, url) {
  const db = await open({ postgres: pool, schema })
  db.close()
  return pgPool(url, POOL_MAX)
}

/** One job row per autocommit INSERT. */
export function insert1(params) {
  return withSchema(params, 'raw', async ({ pool, schema, url }) => {
    const app = await prepare(pool, schema, url)
    try {
      await settleServer(pool, schema)
      const q = { name: 'raw_insert', text: sql(schema).insert }
      let i = 0
      return await throughputAsync(async () => {
        await app.query({ ...q, values: [QUEUE, JSON.stringify({ i: i++ }), nowS()] })
        return 1
      }, { units: params.units })
    } finally {
      await app.end()
    }
  })
}

/** 100 job rows per INSERT ... SELECT FROM unnest($2::text[]) (one statement, one transaction). */
export function insert100(params) {
  return withSchema(params, 'raw', async ({ pool, schema, url }) => {
    const app = await prepare(pool, schema, url)
    try {
      await settleServer(pool, schema)
      const q = { name: 'raw_insert_many', text: sql(schema).insertMany }
      let i = 0
      return await throughputAsync(async () => {
        const payloads = new Array(100)
        for (let k = 0; k < 100; k++) payloads[k] = JSON.stringify({ i: i++ })
        await app.query({ ...q, values: [QUEUE, payloads, nowS()] })
        return 100
      }, { units: params.units })
    } finally {
      await app.end()
    }
  })
}

/**
 * Claim `batch` jobs with one UPDATE ... FOR UPDATE SKIP LOCKED ... RETURNING, then ack them with
 * one DELETE (by id for a batch of 1, `= ANY($1)` otherwise): two statements, two transactions.
 * `backlog` ready jobs stay behind the ones consumed.
 */
export function claimAck(params) {
  const { units, backlog, batch } = params
  return withSchema(params, 'raw', async ({ pool, schema, url }) => {
    const app = await prepare(pool, schema, url)
    try {
      const warmupUnits = Math.ceil(units / 10)
      await prefillHonker(pool, schema, backlog + units + warmupUnits + 2 * batch)
      await settleServer(pool, schema)
      const s = sql(schema)
      const claim = { name: 'raw_claim', text: s.claim }
      const ack = { name: 'raw_ack', text: s.ack }
      const ackMany = { name: 'raw_ack_many', text: s.ackMany }
      const result = await throughputAsync(async () => {
        const now = nowS()
        const { rows } = await app.query({ ...claim, values: [QUEUE, WORKER, now, batch] })
        if (rows.length !== batch) throw new Error(`claimed ${rows.length} of ${batch}: backlog ran out`)
        const { rowCount } =
          batch === 1
            ? await app.query({ ...ack, values: [rows[0].id, WORKER, now] })
            : await app.query({ ...ackMany, values: [rows.map((r) => r.id), WORKER, now] })
        if (rowCount !== batch) throw new Error(`acked ${rowCount} of ${batch}`)
        return batch
      }, { units, warmupUnits })
      return { ...result, detail: { backlog } }
    } finally {
      await app.end()
    }
  })
}
