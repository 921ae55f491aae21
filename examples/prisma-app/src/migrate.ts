// Applies prisma/migrations like `prisma migrate deploy`, without Prisma's schema engine (a native
// binary the CLI downloads on first use: not available offline, and not needed to run SQL files).
// Each folder's migration.sql runs once, in folder-name order, inside a transaction, and is
// recorded in Prisma's own `_prisma_migrations` table with Prisma's checksum (sha256 of the file),
// so `prisma migrate status` / `deploy` with the engine later see these migrations as applied.
//
//   node dist/src/migrate.js          (uses DATABASE_URL, default file:./dev.db)
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { prismaSqliteDriver } from '@honker/prisma'
import { databaseUrl } from './db.ts'

/** From dist/src/ (the compiled file) to the app's prisma/migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url))

// Prisma's SQLite history table, column for column.
const HISTORY_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`

/** Apply the pending migrations to `file`; returns the names applied. */
export function migrate(file: string, dir = MIGRATIONS_DIR): string[] {
  const Driver = prismaSqliteDriver() // the SQLite copy Prisma's adapter uses
  const db = new Driver(file)
  try {
    db.exec(HISTORY_DDL)
    const applied = new Map(
      (db.prepare('SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL').all() as {
        migration_name: string
        checksum: string
      }[]).map((row) => [row.migration_name, row.checksum]),
    )
    const names = readdirSync(dir)
      .filter((name) => existsSync(path.join(dir, name, 'migration.sql')))
      .sort()
    const done: string[] = []
    for (const name of names) {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8')
      const checksum = createHash('sha256').update(sql).digest('hex')
      const previous = applied.get(name)
      if (previous !== undefined) {
        if (previous !== checksum) throw new Error(`migration ${name} was modified after it was applied`)
        continue
      }
      db.transaction(() => {
        const id = randomUUID()
        db.prepare('INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES (?, ?, ?, ?)').run(id, checksum, name, Date.now())
        db.exec(sql)
        db.prepare('UPDATE _prisma_migrations SET finished_at = ?, applied_steps_count = 1 WHERE id = ?').run(Date.now(), id)
      }).immediate()
      done.push(name)
    }
    return done
  } finally {
    db.close()
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const applied = migrate(databaseUrl().replace(/^file:/, ''))
  console.log(applied.length === 0 ? 'Already up to date.' : `Applied: ${applied.join(', ')}`)
}
