/**
 * One run of a PostgreSQL figure, in its case process: a small admin pool, this run's schema for
 * the system, and the schema dropped (and the pool ended) however the run ends.
 */
import { dropSchema, pgPool, schemaName } from './postgres.mjs'

export async function withSchema({ pgUrl, runTag }, system, fn) {
  const pool = pgPool(pgUrl, 2)
  const schema = schemaName(system, runTag)
  try {
    await dropSchema(pool, schema)
    return await fn({ pool, schema, url: pgUrl })
  } finally {
    await dropSchema(pool, schema).catch(() => {})
    await pool.end().catch(() => {})
  }
}
