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

/**
 * One run in a database of its own (`<prefix>_<tag>`), for the ORM adapter figures: the adapters
 * write to Honker's default schema `honker` (and Prisma's models are mapped to it), so each run
 * gets a fresh database rather than a fresh schema name. `fn` gets `{ pool, url }`: a small admin
 * pool on that database and its URL. The database is dropped (its connections closed) however the
 * run ends.
 */
export async function withDatabase({ pgUrl, runTag }, prefix, fn) {
  const admin = pgPool(pgUrl, 1)
  const name = schemaName(prefix, runTag)
  const url = new URL(pgUrl)
  url.pathname = `/${name}`
  let pool = null
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${name}`)
    pool = pgPool(url.href, 2)
    return await fn({ pool, url: url.href })
  } finally {
    await pool?.end().catch(() => {})
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
    await admin.end().catch(() => {})
  }
}
