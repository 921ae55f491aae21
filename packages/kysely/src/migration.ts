import { CompiledQuery, type Kysely } from 'kysely'
import { MIGRATIONS, MIGRATIONS_TABLE } from '@honker/core/adapter'
import { applyMigrations, PG_MIGRATIONS } from '@honker/postgres/adapter'
import { isPostgres, queryableOf } from './postgres.ts'

type Run = (text: string, params?: readonly unknown[]) => Promise<Record<string, unknown>[]>

// Core's ledger DDL, byte for byte: sqlite_master keeps the statement text, and the Honker schema a
// Kysely migration creates must read the same as the one core's open() creates
// (test/migration.test.ts compares the two).
const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL DEFAULT (unixepoch())
)`

/**
 * Kysely's `Migration`, typed here because its home moved: `kysely` exports it in 0.28 and
 * `kysely/migration` in 0.29.
 */
export interface HonkerMigration {
  up(db: Kysely<any>): Promise<void>
  down(db: Kysely<any>): Promise<void>
}

/**
 * The Honker schema as one migration for Kysely's `Migrator`, so the `_honker_*` tables live in the
 * app's own migration history. `up` applies core's pending migrations (the exact SQL core's `open()`
 * runs, statement by statement) and records them in core's ledger, so `open()` finds nothing to do;
 * it is idempotent. `down` drops every Honker table, jobs and all.
 *
 * ```ts
 * const migrator = new Migrator({
 *   db,
 *   provider: { getMigrations: async () => ({ '0000_honker': honkerMigration, '0001_orders': ordersMigration }) },
 * })
 * await migrator.migrateToLatest()
 * ```
 */
export const honkerMigration: HonkerMigration = {
  up: async (db) => {
    // PostgreSQL: Kysely runs the migration in a transaction; @honker/postgres's migrations run in it.
    if (isPostgres(db)) return void (await applyMigrations(queryableOf(db)))
    return inWriteTransaction(db, async (run) => {
      await run(LEDGER_DDL)
      const done = new Set((await run(`SELECT version FROM ${MIGRATIONS_TABLE}`)).map((row) => Number(row.version)))
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue
        for (const text of splitStatements(migration.sql)) await run(text)
        if (migration.version === 1) await addLegacySchedulerColumns(run)
        await run(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES (?, ?)`, [migration.version, migration.name])
      }
    })
  },
  down: async (db) => {
    if (isPostgres(db)) {
      const run = queryableOf(db)
      const tables = PG_MIGRATIONS.flatMap((migration) => [...migration.sql('honker').matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\S+)/g)].map((match) => match[1]!))
      for (const table of [...tables.reverse(), 'honker._honker_ts_migrations']) await run.query({ text: `DROP TABLE IF EXISTS ${table}` })
      return
    }
    return inWriteTransaction(db, async (run) => {
      for (const table of honkerTableNames().reverse()) await run(`DROP TABLE IF EXISTS ${table}`)
    })
  },
}

/**
 * Kysely runs SQLite migrations outside any transaction (`SqliteAdapter.supportsTransactionalDdl`
 * is false), so take one ourselves, with the write lock up front as core's own migration does: a
 * process opening the file with core at the same moment serialises with us instead of failing the
 * deferred-transaction upgrade with SQLITE_BUSY, and whichever comes second finds nothing to do.
 */
async function inWriteTransaction(db: Kysely<any>, fn: (run: Run) => Promise<void>): Promise<void> {
  const plain = db.withoutPlugins()
  if (plain.isTransaction) return fn(runner(plain)) // a caller's transaction already holds it all together
  await plain.connection().execute(async (connection) => {
    const run = runner(connection)
    await run('BEGIN IMMEDIATE')
    try {
      await fn(run)
    } catch (error) {
      await run('ROLLBACK').catch(() => undefined) // SQLite may have rolled back already; keep the first error
      throw error
    }
    await run('COMMIT')
  })
}

function runner(db: Kysely<any>): Run {
  return async (text, params = []) => (await db.executeQuery(CompiledQuery.raw(text, [...params]))).rows as Record<string, unknown>[]
}

/**
 * honker files from before its scheduler gained `enabled` and `max_attempts` keep the old table
 * (`CREATE TABLE IF NOT EXISTS` leaves it alone); add the columns with core's exact text.
 */
async function addLegacySchedulerColumns(run: Run): Promise<void> {
  const columns = new Set((await run(`SELECT name FROM pragma_table_info('_honker_scheduler_tasks')`)).map((row) => row.name))
  if (!columns.has('enabled')) await run(`ALTER TABLE _honker_scheduler_tasks ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1`)
  if (!columns.has('max_attempts')) await run(`ALTER TABLE _honker_scheduler_tasks ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3`)
}

/** Every table core's migrations create, in creation order, then the ledger. */
function honkerTableNames(): string[] {
  const tables = MIGRATIONS.flatMap((migration) =>
    splitStatements(migration.sql).flatMap((text) => /CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)/i.exec(text)?.[1] ?? []),
  )
  return [MIGRATIONS_TABLE, ...tables]
}

/**
 * Split a migration script at top-level `;` (Kysely's SQLite driver prepares one statement at a
 * time), skipping `;` inside comments and quotes, and dropping pieces that hold only comments.
 * Leading comments may stay on a piece: SQLite stores a CREATE statement from its name token on.
 */
function splitStatements(script: string): string[] {
  const statements: string[] = []
  let start = 0
  let hasCode = false
  for (let i = 0; i < script.length; i++) {
    const char = script[i]!
    const next = script[i + 1]
    if (char === '-' && next === '-') {
      i = endOf(script, '\n', i + 2)
    } else if (char === '/' && next === '*') {
      i = endOf(script, '*/', i + 2) + 1
    } else if (char === ';') {
      if (hasCode) statements.push(script.slice(start, i).trim())
      start = i + 1
      hasCode = false
    } else if (!/\s/.test(char)) {
      hasCode = true
      const close = char === '[' ? ']' : `'"\``.includes(char) ? char : undefined
      if (close !== undefined) i = endOf(script, close, i + 1) // a doubled quote reopens right after
    }
  }
  if (hasCode) statements.push(script.slice(start).trim())
  return statements
}

function endOf(script: string, token: string, from: number): number {
  const at = script.indexOf(token, from)
  return at === -1 ? script.length : at
}
