import { createHash } from 'node:crypto'
import { HonkerError } from '@honker/core/engine'
import { toHonkerError } from '../errors.ts'
import type { PgPool, PgPoolClient } from '../pg.ts'
import { PG_MIGRATIONS, type PgMigration } from './migrations.ts'

export interface PgMigrationReport {
  applied: number[]
  version: number
}

/** The ledger's fingerprint of a migration's DDL (schema-independent). */
export const migrationChecksum = (migration: PgMigration): string =>
  createHash('sha256').update(migration.sql('{{schema}}')).digest('hex').slice(0, 16)

/**
 * Bring schema `s` up to date in ONE transaction, under a transaction-scoped advisory lock, so
 * that many processes opening a fresh database run each migration once and a role that may not
 * create tables leaves nothing behind. The ledger `_honker_ts_migrations` names what ran.
 */
export async function migrate(pool: PgPool, s: string): Promise<PgMigrationReport> {
  let client: PgPoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw toHonkerError(error)
  }
  let broken: Error | undefined
  try {
    await client.query({ text: 'BEGIN' })
    await client.query({ text: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, values: [`honker-migrate:${s}`] })
    await client.query({ text: `CREATE SCHEMA IF NOT EXISTS ${s}` })
    await client.query({
      text: `CREATE TABLE IF NOT EXISTS ${s}._honker_ts_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at bigint NOT NULL)`,
    })
    const { rows } = await client.query<{ version: number; checksum: string }>({
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
      await client.query({ text: migration.sql(s) })
      await client.query({
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
    await client.query({ text: 'COMMIT' })
    return { applied, version: Math.max(newest, ...done.keys()) }
  } catch (error) {
    broken = error as Error
    await client.query({ text: 'ROLLBACK' }).catch(() => {})
    throw toHonkerError(error)
  } finally {
    client.release(broken !== undefined && HonkerError.isInstance(toHonkerError(broken), 'connection_lost'))
  }
}
