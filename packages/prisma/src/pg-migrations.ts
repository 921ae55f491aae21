import { createHash, randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { HonkerError, InvalidArgumentError } from '@honker/core'
import type { PgPool } from '@honker/postgres'

/** Honker's Prisma migrations for PostgreSQL, shipped with this package. */
export const honkerPostgresMigrationsDir = fileURLToPath(new URL('../prisma/migrations-postgres', import.meta.url))

/** Prisma's history table on PostgreSQL, as its schema engine creates it. */
const PRISMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`

export interface ApplyPostgresMigrationsOptions {
  /** The app's `pg` Pool (the one given to `new PrismaPg(pool)`). */
  postgres: PgPool
  /** A Prisma migrations folder (`prisma/migrations`): `<name>/migration.sql` in name order. */
  dir: string
}

/**
 * Apply a Prisma migrations folder on PostgreSQL the way `prisma migrate deploy` does, without
 * Prisma's schema engine (which must be downloaded): each pending migration in its own
 * transaction, recorded in `_prisma_migrations` with Prisma's checksum, so Prisma's own tools see
 * the same history. A migration already applied with other SQL is refused
 * (`migration_checksum_mismatch`), and nothing after it runs.
 */
export async function applyPostgresMigrations(options: ApplyPostgresMigrationsOptions): Promise<{ applied: string[] }> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be { postgres, dir }')
  const migrations = readdirSync(options.dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(options.dir, name, 'migration.sql'), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
  const client = await options.postgres.connect()
  const applied: string[] = []
  try {
    await client.query({ text: PRISMA_MIGRATIONS_DDL })
    for (const migration of migrations) {
      await client.query({ text: 'BEGIN' })
      try {
        // One migrator at a time: a second process waits here, then finds the migration done.
        await client.query({ text: `SELECT pg_advisory_xact_lock(hashtextextended('honker-prisma-migrate', 0))` })
        const { rows } = await client.query<{ checksum: string }>({
          text: `SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
          values: [migration.name],
        })
        if (rows.length > 0) {
          if (rows[0]!.checksum !== migration.checksum) {
            throw new HonkerError('migration_checksum_mismatch', `migration ${migration.name} was changed after it was applied`)
          }
          await client.query({ text: 'COMMIT' })
          continue
        }
        await client.query({ text: migration.sql })
        await client.query({
          text: `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, $2, now(), $3, now(), 1)`,
          values: [randomUUID(), migration.checksum, migration.name],
        })
        await client.query({ text: 'COMMIT' })
        applied.push(migration.name)
      } catch (error) {
        await client.query({ text: 'ROLLBACK' }).catch(() => {})
        throw HonkerError.isInstance(error) ? error : new HonkerError('migration_failed', `migration ${migration.name} failed: ${(error as Error).message}`, { cause: error })
      }
    }
  } finally {
    client.release()
  }
  return { applied }
}
