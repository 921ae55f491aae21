/**
 * Prisma migrations without Prisma's schema engine.
 *
 * `applyMigrations` applies a Prisma migrations folder (`<dir>/<name>/migration.sql`, in folder
 * name order) to a SQLite file and records each migration in Prisma's own `_prisma_migrations`
 * table the way `prisma migrate deploy` does: the same table, a random UUID `id`, `checksum` =
 * sha256 of `migration.sql` in hex, `started_at`/`finished_at` in milliseconds since the epoch
 * (what the schema engine stores on SQLite), `applied_steps_count` 1 and `logs` NULL. The real
 * CLI later sees those migrations as applied. Unlike the CLI, each migration runs in its own
 * `BEGIN IMMEDIATE` transaction together with its history row, so a failing migration leaves
 * neither half its statements nor a failed row behind.
 *
 * `addHonkerMigration` copies the migration SQL this package ships (one folder per
 * `@honker/core` schema version) into the app's migrations folder as one new timestamped
 * migration, holding only the versions the folder does not have yet.
 */
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { HonkerError, InvalidArgumentError } from '@honker/core'
import { isMemoryPath, MIGRATIONS_TABLE } from '@honker/core/adapter'
import { prismaSqliteDriver } from './driver.ts'

// ---------------------------------------------------------------------------------------------
// Errors

/** The `code` of every error the migration functions throw on purpose. */
export type MigrationErrorCode = 'migrations_not_found' | 'migration_failed' | 'migration_checksum_mismatch' | 'migration_unresolved'

/**
 * `HonkerError` typed for codes that `@honker/core`'s `HonkerErrorCode` union does not list. At
 * run time the errors below are plain `HonkerError`s: `instanceof HonkerError` and
 * `HonkerError.isInstance(error)` hold, and `error.code` is one of `MigrationErrorCode`.
 */
const CodedHonkerError = HonkerError as unknown as abstract new (
  code: MigrationErrorCode,
  message: string,
  options?: { cause?: unknown },
) => Omit<HonkerError, 'code'>

/** Base class of the migration errors; `migration` names the folder concerned, if any. */
export abstract class MigrationError extends CodedHonkerError {
  declare readonly code: MigrationErrorCode
  readonly migration: string | undefined

  constructor(code: MigrationErrorCode, migration: string | undefined, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.migration = migration
  }
}

/** Code `migrations_not_found`: the migrations folder is missing, or one of its migrations has no `migration.sql`. */
export class MigrationsNotFoundError extends MigrationError {
  readonly path: string

  constructor(file: string, message: string, migration?: string) {
    super('migrations_not_found', migration, message)
    this.name = 'MigrationsNotFoundError'
    this.path = file
  }
}

/**
 * Code `migration_failed`: a migration's SQL failed (SQLite's error is the `cause`) or left
 * foreign-key violations. Its transaction was rolled back: none of its statements and no
 * `_prisma_migrations` row remain. `applied` lists the migrations this run applied before it.
 */
export class MigrationFailedError extends MigrationError {
  declare readonly migration: string
  readonly applied: string[]

  constructor(migration: string, message: string, applied: string[], options?: { cause?: unknown }) {
    super('migration_failed', migration, message, options)
    this.name = 'MigrationFailedError'
    this.applied = applied
  }
}

/**
 * Code `migration_checksum_mismatch`: a migration recorded as applied no longer matches its
 * `migration.sql` (the file was edited after it was applied). Nothing was applied.
 */
export class MigrationChecksumError extends MigrationError {
  declare readonly migration: string
  readonly recorded: string
  readonly actual: string

  constructor(migration: string, recorded: string, actual: string) {
    super(
      'migration_checksum_mismatch',
      migration,
      `migration ${migration} was modified after it was applied: _prisma_migrations records checksum ${recorded}, ` +
        `migration.sql now has ${actual}. Restore the applied file and put the change in a new migration.`,
    )
    this.name = 'MigrationChecksumError'
    this.recorded = recorded
    this.actual = actual
  }
}

/**
 * Code `migration_unresolved`: `_prisma_migrations` records an earlier attempt at a migration
 * that failed (as `prisma migrate deploy` leaves one: `finished_at` and `rolled_back_at` NULL).
 * Nothing was applied. Check what the failed attempt left in the database, then mark it rolled
 * back (`prisma migrate resolve --rolled-back <name>`, or
 * `UPDATE _prisma_migrations SET rolled_back_at = <ms> WHERE migration_name = '<name>' AND finished_at IS NULL`).
 */
export class MigrationUnresolvedError extends MigrationError {
  declare readonly migration: string

  constructor(migration: string) {
    super(
      'migration_unresolved',
      migration,
      `migration ${migration} is recorded as failed in _prisma_migrations (an earlier attempt did not finish). ` +
        `Check what it left in the database, then mark it rolled back ` +
        `(prisma migrate resolve --rolled-back ${migration}, or set rolled_back_at on its row) and run again.`,
    )
    this.name = 'MigrationUnresolvedError'
  }
}

// ---------------------------------------------------------------------------------------------
// The migrations folder

/** One migration of a Prisma migrations folder. */
export interface MigrationFile {
  /** The folder name, e.g. `20260101000000_init`: Prisma's `migration_name`. */
  name: string
  /** `<dir>/<name>/migration.sql`. */
  file: string
  /** The file's text. */
  sql: string
  /** sha256 of the file's bytes, in hex: Prisma's `checksum`. */
  checksum: string
}

const sha256 = (data: string | Buffer): Buffer => createHash('sha256').update(data).digest()

/**
 * The migrations of a Prisma migrations folder, in the order Prisma applies them: every
 * sub-folder, sorted by name, must hold a `migration.sql` (files such as `migration_lock.toml`
 * are ignored). Throws `migrations_not_found` for a missing folder or a folder without its SQL.
 */
export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (typeof migrationsDir !== 'string' || migrationsDir === '') {
    throw new InvalidArgumentError('migrationsDir', 'must be the path of a Prisma migrations folder, e.g. "prisma/migrations"')
  }
  const dir = path.resolve(migrationsDir)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MigrationsNotFoundError(dir, `no migrations folder at ${dir}`)
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, 'migration.sql')
      if (!existsSync(file)) throw new MigrationsNotFoundError(file, `migration ${name} has no migration.sql (${file})`, name)
      const bytes = readFileSync(file)
      return { name, file, sql: bytes.toString('utf8'), checksum: sha256(bytes).toString('hex') }
    })
}

/** Throws if `migration_lock.toml` names another provider, as the Prisma CLI refuses to mix them. */
function checkLockFile(migrationsDir: string): void {
  const lockFile = path.join(path.resolve(migrationsDir), 'migration_lock.toml')
  if (!existsSync(lockFile)) return
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(readFileSync(lockFile, 'utf8'))?.[1]
  if (provider !== undefined && provider !== 'sqlite') {
    throw new InvalidArgumentError('migrationsDir', `${lockFile} is for provider "${provider}", not "sqlite"`)
  }
}

/**
 * Whether `sql` matches a checksum recorded by Prisma, with Prisma's own leniency: LF and CRLF line
 * endings count as the same file (git may convert them), and checksums written by Prisma 2.x
 * without zero-padding still match.
 */
function matchesChecksum(migration: MigrationFile, recorded: string): boolean {
  const unpadded = recorded !== '' && recorded.length !== 64
  const variants = [migration.sql, migration.sql.replaceAll('\r\n', '\n'), migration.sql.replaceAll('\n', '\r\n')]
  const digests = [Buffer.from(migration.checksum, 'hex'), ...variants.map((text) => sha256(text))]
  return digests.some((digest) => (unpadded ? [...digest].map((byte) => byte.toString(16)).join('') : digest.toString('hex')) === recorded)
}

// ---------------------------------------------------------------------------------------------
// Applying

/** The parts of a better-sqlite3 `Database` that `applyMigrations` uses (typed structurally). */
export interface MigrationDatabase {
  readonly open: boolean
  readonly inTransaction: boolean
  prepare(source: string): { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] }
  exec(source: string): unknown
  pragma(source: string, options?: { simple?: boolean }): unknown
  close(): unknown
}

/** Prisma's history table on SQLite, byte for byte as the schema engine creates it. */
export const PRISMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`

export interface ApplyMigrationsOptions {
  /**
   * The database, as the `url` given to `PrismaBetterSqlite3` (`file:./dev.db`): `file:` is
   * stripped and a relative path is taken from the working directory. The file (and its folder)
   * is created if missing. Give `url` or `database`, not both.
   */
  url?: string
  /** Or an open better-sqlite3 handle; it is left open (and outside any transaction). */
  database?: MigrationDatabase
  /** The Prisma migrations folder, e.g. `prisma/migrations` (relative to the working directory). */
  migrationsDir: string
  /** Called after each migration this call applies (for progress output). */
  onApplied?: (name: string) => void
}

export interface ApplyMigrationsResult {
  /** The migrations this call applied, in order. */
  applied: string[]
  /** The migrations of the folder that were applied already. */
  alreadyApplied: string[]
}

interface HistoryRow {
  id: string
  migration_name: string
  checksum: string
  finished_at: unknown
}

/**
 * Apply the pending migrations of a Prisma migrations folder to a SQLite database, recording
 * them in `_prisma_migrations` exactly as `prisma migrate deploy` does, without Prisma's schema
 * engine.
 *
 * - Migrations run in folder-name order, each once, each in its own `BEGIN IMMEDIATE`
 *   transaction with its history row: a failure (`migration_failed`) rolls that migration back
 *   whole and records nothing; the ones before it stay applied.
 * - Before applying anything, the history is checked: an applied migration whose file changed
 *   throws `migration_checksum_mismatch`, an earlier failed attempt `migration_unresolved`.
 * - Foreign keys are switched off around the transactions, as SQLite's table-redefinition
 *   procedure requires (Prisma's `RedefineTables` migrations rely on it; with them on, dropping a
 *   parent table would cascade-delete its children), and `PRAGMA foreign_key_check` must find no
 *   new violation before each commit.
 * - Two processes may run it at once: each migration is re-checked under the write lock.
 *
 * ```ts
 * import { applyMigrations } from '@honker/prisma'
 * const { applied } = applyMigrations({ url: 'file:./dev.db', migrationsDir: 'prisma/migrations' })
 * ```
 */
export function applyMigrations(options: ApplyMigrationsOptions): ApplyMigrationsResult {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be { url | database, migrationsDir }')
  const { url, database, onApplied } = options
  if ((url === undefined) === (database === undefined)) {
    throw new InvalidArgumentError('options', 'give either url (e.g. "file:./dev.db") or database (a better-sqlite3 handle)')
  }
  if (onApplied !== undefined && typeof onApplied !== 'function') throw new InvalidArgumentError('onApplied', 'must be a function')
  const migrations = readMigrations(options.migrationsDir)
  checkLockFile(options.migrationsDir)
  const db = database ?? openUrl(url)
  try {
    return applyTo(db, migrations, onApplied)
  } finally {
    if (database === undefined) db.close()
  }
}

function openUrl(url: unknown): MigrationDatabase {
  if (typeof url !== 'string' || url === '') {
    throw new InvalidArgumentError('url', 'must be the url given to PrismaBetterSqlite3, e.g. "file:./dev.db"')
  }
  const file = url.replace(/^file:/, '') // exactly what the adapter does before opening
  if (isMemoryPath(file)) {
    throw new HonkerError('memory_database', `url: ${url} is an in-memory database, gone when the migration closes it; give a file`)
  }
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const Driver = prismaSqliteDriver() as unknown as new (file: string) => MigrationDatabase // the SQLite copy Prisma's adapter uses
  return new Driver(file)
}

function applyTo(db: MigrationDatabase, migrations: MigrationFile[], onApplied: ((name: string) => void) | undefined): ApplyMigrationsResult {
  if (typeof db?.prepare !== 'function' || typeof db.exec !== 'function' || typeof db.pragma !== 'function') {
    throw new InvalidArgumentError('database', 'must be a better-sqlite3 Database')
  }
  if (db.inTransaction) throw new InvalidArgumentError('database', 'is inside a transaction: migrations take their own')
  const foreignKeys = Number(db.pragma('foreign_keys', { simple: true })) === 1
  const applied: string[] = []
  const alreadyApplied: string[] = []
  if (foreignKeys) db.pragma('foreign_keys = OFF') // a no-op inside a transaction: set it before BEGIN
  try {
    db.exec(PRISMA_MIGRATIONS_DDL)
    const history = () => db.prepare(HISTORY).all() as HistoryRow[]
    verifyHistory(history(), migrations) // nothing is applied while the history is inconsistent

    const insert = db.prepare('INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at") VALUES (?, ?, ?, ?)')
    const finish = db.prepare('UPDATE "_prisma_migrations" SET "applied_steps_count" = "applied_steps_count" + 1, "finished_at" = ? WHERE "id" = ?')
    for (const migration of migrations) {
      db.exec('BEGIN IMMEDIATE') // the write lock first (with busy_timeout), then the re-check
      let done: boolean
      try {
        done = applyOne(db, migration, { insert, finish, foreignKeys, applied, history })
        db.exec('COMMIT')
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK')
        throw error
      }
      if (done) {
        applied.push(migration.name)
        onApplied?.(migration.name)
      } else {
        alreadyApplied.push(migration.name)
      }
    }
    return { applied, alreadyApplied }
  } finally {
    if (foreignKeys && db.open) db.pragma('foreign_keys = ON')
  }
}

interface ApplyContext {
  insert: { run(...params: unknown[]): unknown }
  finish: { run(...params: unknown[]): unknown }
  foreignKeys: boolean
  applied: string[]
  history: () => HistoryRow[]
}

const CORE_LEDGER_RECORD = new RegExp(`^INSERT OR IGNORE INTO ${MIGRATIONS_TABLE} \\(version, name\\) VALUES \\((\\d+),`, 'gm')

/**
 * Whether `sql` is Honker's own migration and @honker/core already applied every schema version it
 * records (`createHonker()` or `open()` ran a newer core before the migration was added to the
 * folder). SQLite has no `ADD COLUMN IF NOT EXISTS`, so running it again would fail on columns that
 * are there; it is recorded as applied instead, as `prisma migrate resolve --applied` would.
 */
function appliedByCore(db: MigrationDatabase, sql: string): boolean {
  const versions = [...sql.matchAll(CORE_LEDGER_RECORD)].map((match) => Number(match[1]))
  if (versions.length === 0) return false
  const ledger = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).all(MIGRATIONS_TABLE)
  if (ledger.length === 0) return false
  const recorded = new Set((db.prepare(`SELECT version FROM ${MIGRATIONS_TABLE}`).all() as { version: number }[]).map((row) => Number(row.version)))
  return versions.every((version) => recorded.has(version))
}

/** Inside BEGIN IMMEDIATE: apply one migration and record it; false if it was applied already. */
function applyOne(db: MigrationDatabase, migration: MigrationFile, { insert, finish, foreignKeys, applied, history }: ApplyContext): boolean {
  // Under the write lock: another runner may have applied it since the first check.
  const rows = history().filter((row) => row.migration_name === migration.name)
  verifyHistory(rows, [migration])
  if (rows.length > 0) return false
  const violationsBefore = foreignKeys ? foreignKeyViolations(db) : undefined
  const id = randomUUID()
  insert.run(id, migration.checksum, migration.name, Date.now())
  try {
    if (!appliedByCore(db, migration.sql)) db.exec(migration.sql)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new MigrationFailedError(migration.name, `migration ${migration.name} failed and was rolled back: ${message}`, [...applied], { cause: error })
  }
  if (!db.inTransaction) {
    throw new MigrationFailedError(
      migration.name,
      `migration ${migration.name} ended the transaction itself (COMMIT/END/ROLLBACK in migration.sql): ` +
        'its statements up to that point are committed, and it is not recorded. Remove the transaction statements.',
      [...applied],
    )
  }
  if (violationsBefore !== undefined) {
    const added = [...foreignKeyViolations(db)].filter((violation) => !violationsBefore.has(violation))
    if (added.length > 0) {
      throw new MigrationFailedError(
        migration.name,
        `migration ${migration.name} was rolled back: it leaves foreign key violations (table, rowid, parent, fk): ${added.slice(0, 5).join('; ')}`,
        [...applied],
      )
    }
  }
  finish.run(Date.now(), id)
  return true
}

/** Rows that count for Prisma: not rolled back. */
const HISTORY = `SELECT "id", "migration_name", "checksum", "finished_at" FROM "_prisma_migrations" WHERE "rolled_back_at" IS NULL ORDER BY "started_at"`

function verifyHistory(rows: HistoryRow[], migrations: MigrationFile[]): void {
  const byName = new Map(migrations.map((migration) => [migration.name, migration]))
  for (const row of rows) {
    if (row.finished_at === null) throw new MigrationUnresolvedError(row.migration_name)
    const migration = byName.get(row.migration_name)
    if (migration !== undefined && !matchesChecksum(migration, row.checksum)) {
      throw new MigrationChecksumError(migration.name, row.checksum, migration.checksum)
    }
  }
}

function foreignKeyViolations(db: MigrationDatabase): Set<string> {
  const rows = db.prepare('PRAGMA foreign_key_check').all() as { table: string; rowid: unknown; parent: string; fkid: unknown }[]
  return new Set(rows.map((row) => `${row.table}, ${String(row.rowid)}, ${row.parent}, ${String(row.fkid)}`))
}

// ---------------------------------------------------------------------------------------------
// Honker's own migration

/** One `@honker/core` schema version as this package ships it (`prisma/migrations/<NNNN>_<name>`). */
export interface HonkerMigration {
  version: number
  name: string
  sql: string
}

/** `INSERT OR IGNORE INTO _honker_ts_migrations (version, name) VALUES (1, 'honker_schema');`: each shipped file ends with its own. */
const LEDGER_ROW = /INSERT OR IGNORE INTO _honker_ts_migrations \(version, name\) VALUES \((\d+), '([^']*)'\);/g

/** The package's `prisma/migrations` folder (next to `dist/` and `src/`). */
export function honkerMigrationsDir(): string {
  return fileURLToPath(new URL('../prisma/migrations', import.meta.url))
}

/** The Honker migrations this package ships, oldest first. */
export function honkerMigrations(): HonkerMigration[] {
  return readMigrations(honkerMigrationsDir()).map(({ name, sql }) => {
    const [, version, ledgerName] = [...sql.matchAll(LEDGER_ROW)].at(-1) ?? []
    if (version === undefined || ledgerName === undefined) throw new Error(`@honker/prisma: ${name}/migration.sql has no ledger row`)
    return { version: Number(version), name: ledgerName, sql }
  })
}

/**
 * The shipped Honker migrations that the app's migrations folder does not contain yet (found by
 * the `_honker_ts_migrations` row each of them inserts). A missing folder has none of them.
 */
export function missingHonkerMigrations(migrationsDir: string): HonkerMigration[] {
  const dir = path.resolve(migrationsDir)
  const present = new Set<number>()
  if (existsSync(dir)) {
    for (const migration of readMigrations(dir)) {
      for (const [, version] of migration.sql.matchAll(LEDGER_ROW)) present.add(Number(version))
    }
  }
  return honkerMigrations().filter((migration) => !present.has(migration.version))
}

export interface AddHonkerMigrationOptions {
  /** The app's Prisma migrations folder, e.g. `prisma/migrations`; created if missing. */
  migrationsDir: string
  /** The name after the timestamp (default `honker`): `<YYYYMMDDHHMMSS>_<name>`. */
  name?: string
  /** The time of the timestamp (tests). */
  now?: Date
}

export interface AddHonkerMigrationResult {
  /** The migration folder written, or null when the folder had every Honker migration already. */
  folder: string | null
  /** The Honker schema versions it holds. */
  versions: number[]
}

const PRISMA_LOCK_FILE = `# Please do not edit this file manually
# It should be added in your version-control system (e.g., Git)
provider = "sqlite"
`

/**
 * Add Honker's tables to the app's Prisma migrations: one new migration folder,
 * `<timestamp>_honker/migration.sql`, holding the shipped SQL of every Honker schema version the
 * folder does not have yet (so after upgrading `@honker/prisma` it adds only the new versions).
 * The timestamp (UTC, Prisma's `YYYYMMDDHHMMSS` format) sorts after every existing migration.
 * Writes `migration_lock.toml` (provider sqlite) into a new folder, as `prisma migrate dev` does.
 */
export function addHonkerMigration(options: AddHonkerMigrationOptions): AddHonkerMigrationResult {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be { migrationsDir }')
  const { migrationsDir, name = 'honker', now = new Date() } = options
  if (typeof migrationsDir !== 'string' || migrationsDir === '') {
    throw new InvalidArgumentError('migrationsDir', 'must be the path of a Prisma migrations folder, e.g. "prisma/migrations"')
  }
  if (typeof name !== 'string' || !/^[A-Za-z0-9_]+$/.test(name)) throw new InvalidArgumentError('name', 'must be letters, digits and _')
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new InvalidArgumentError('now', 'must be a valid Date')
  const dir = path.resolve(migrationsDir)
  const missing = missingHonkerMigrations(dir)
  if (missing.length === 0) return { folder: null, versions: [] }

  mkdirSync(dir, { recursive: true })
  if (!existsSync(path.join(dir, 'migration_lock.toml'))) writeFileSync(path.join(dir, 'migration_lock.toml'), PRISMA_LOCK_FILE)
  checkLockFile(dir)
  const existing = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
  const last = existing.at(-1)
  let stamp = timestamp(now)
  if (last !== undefined && `${stamp}_${name}` <= last) {
    const lastStamp = /^(\d{14})(?:_|$)/.exec(last)?.[1]
    if (lastStamp === undefined) {
      throw new InvalidArgumentError('migrationsDir', `its last migration ${last} sorts after any timestamp: name the Honker migration by hand`)
    }
    stamp = nextSecond(lastStamp)
  }
  const folder = path.join(dir, `${stamp}_${name}`)
  mkdirSync(folder)
  writeFileSync(path.join(folder, 'migration.sql'), missing.map((migration) => migration.sql).join(''))
  return { folder, versions: missing.map((migration) => migration.version) }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

function timestamp(date: Date): string {
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  )
}

function nextSecond(stamp: string): string {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp)!.map(Number) as number[]
  return timestamp(new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s! + 1)))
}
