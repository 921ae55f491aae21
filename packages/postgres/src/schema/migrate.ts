import { createHash } from 'node:crypto'
import { HonkerError } from '@honker/core/engine'
import { toHonkerError } from '../errors.ts'
import type { PgPool, PgPoolClient, PgQueryable } from '../pg.ts'
import { PG_MIGRATIONS, type PgMigration } from './migrations.ts'

export interface PgMigrationReport {
  applied: number[]
  version: number
}

/** The ledger's fingerprint of a migration's DDL (schema-independent). */
export const migrationChecksum = (migration: PgMigration): string =>
  createHash('sha256').update(migration.sql('{{schema}}')).digest('hex').slice(0, 16)

/**
 * Bring schema `s` up to date inside the caller's open transaction on `runner` (an ORM migration's,
 * or `migrate`'s own): a transaction-scoped advisory lock makes concurrent migrators run each
 * migration once, and the ledger `_honker_ts_migrations` names what ran.
 */
export async function migrateOn(runner: PgQueryable, s: string): Promise<PgMigrationReport> {
  await runner.query({ text: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, values: [`honker-migrate:${s}`] })
  await runner.query({ text: `CREATE SCHEMA IF NOT EXISTS ${s}` })
  await runner.query({
    text: `CREATE TABLE IF NOT EXISTS ${s}._honker_ts_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at bigint NOT NULL)`,
  })
  const { rows } = await runner.query<{ version: number; checksum: string }>({
    text: `SELECT version, checksum FROM ${s}._honker_ts_migrations ORDER BY version`,
  })
  const done = new Map(rows.map((row) => [Number(row.version), row.checksum]))
  const applied: number[] = []
  for (const migration of PG_MIGRATIONS) {
    const recorded = done.get(migration.version)
    if (recorded !== undefined) {
      if (recorded !== migrationChecksum(migration)) {
        throw new HonkerError('migration_checksum_mismatch', `${s}._honker_ts_migrations: migration ${migration.version} (${migration.name}) was changed after it ran`)
      }
      continue
    }
    await runner.query({ text: migration.sql(s) })
    await runner.query({
      text: `INSERT INTO ${s}._honker_ts_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, floor(extract(epoch from now()))::bigint)`,
      values: [migration.version, migration.name, migrationChecksum(migration)],
    })
    applied.push(migration.version)
  }
  const newest = PG_MIGRATIONS.at(-1)!.version
  const ahead = [...done.keys()].filter((version) => version > newest)
  if (ahead.length > 0) {
    throw new HonkerError('migration_unresolved', `${s} has migrations ${ahead.join(', ')} this version of @honker/postgres does not know: upgrade it`)
  }
  return { applied, version: Math.max(newest, ...done.keys()) }
}

/**
 * Bring schema `s` up to date in ONE transaction of its own, so a role that may not create tables
 * leaves nothing behind and many processes opening a fresh database run each migration once.
 */
export async function migrate(pool: PgPool, s: string): Promise<PgMigrationReport> {
  let client: PgPoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw toHonkerError(error)
  }
  let lost = false
  // A backend that dies between statements emits 'error' on the checked-out client (see runTransaction).
  const onIdleError = (): void => {
    lost = true
  }
  client.on('error', onIdleError)
  try {
    await client.query({ text: 'BEGIN' })
    const report = await migrateOn(client, s)
    await client.query({ text: 'COMMIT' })
    return report
  } catch (error) {
    const coded = toHonkerError(error)
    lost ||= HonkerError.isInstance(coded, 'connection_lost')
    await client.query({ text: 'ROLLBACK' }).catch(() => {})
    throw coded
  } finally {
    client.off?.('error', onIdleError)
    client.release(lost)
  }
}
