import { createRequire } from 'node:module'
import { failureOf, type Driver, type OpenConnectionOptions, type SqliteFailure, type DriverConnection, type DriverStatement, type Row } from './driver.ts'

/** The parts of `bun:sqlite`'s `Database` this driver uses, typed structurally. */
export interface BunSqliteDatabase {
  readonly filename: string
  readonly inTransaction: boolean
  prepare(source: string): BunSqliteStatement
  exec(source: string): unknown
  close(throwOnError?: boolean): void
}

interface BunSqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  values(...params: unknown[]): unknown[][]
  finalize(): void
}

type BunDatabaseClass = new (file: string, options?: { readonly?: boolean; create?: boolean; readwrite?: boolean }) => BunSqliteDatabase

function isBunSqlite(handle: object): handle is BunSqliteDatabase {
  const candidate = handle as Partial<BunSqliteDatabase> & { fileControl?: unknown }
  return typeof candidate.prepare === 'function' && typeof candidate.filename === 'string' && typeof candidate.fileControl === 'function'
}

class Statement implements DriverStatement {
  readonly #statement: BunSqliteStatement

  constructor(statement: BunSqliteStatement) {
    this.#statement = statement
  }

  run(params: readonly unknown[] = []) {
    const result = this.#statement.run(...params)
    return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) }
  }

  get(params: readonly unknown[] = []) {
    // bun:sqlite answers null, not undefined, for no row.
    return (this.#statement.get(...params) ?? undefined) as Row | undefined
  }

  all(params: readonly unknown[] = []) {
    return this.#statement.all(...params) as Row[]
  }

  values(params: readonly unknown[] = []) {
    return this.#statement.values(...params)
  }

  value(params: readonly unknown[] = []) {
    return this.#statement.values(...params)[0]?.[0]
  }
}

class Connection implements DriverConnection {
  readonly driver: BunSqliteDriver
  readonly handle: BunSqliteDatabase
  readonly #readonly: boolean
  /**
   * Statements this connection prepared: bun:sqlite closes a connection with live statements
   * lazily (sqlite3_close_v2), keeping its descriptor and locks until they are finalized.
   */
  readonly #statements = new Set<BunSqliteStatement>()
  #open = true

  constructor(driver: BunSqliteDriver, handle: BunSqliteDatabase, readonly: boolean) {
    this.driver = driver
    this.handle = handle
    this.#readonly = readonly
  }

  get file() { return this.handle.filename }
  get isOpen() {
    if (!this.#open) return false
    // bun:sqlite has no open flag: a closed handle throws on use.
    try {
      void this.handle.inTransaction
      return true
    } catch {
      return false
    }
  }
  get inTransaction() { return this.handle.inTransaction }
  get isReadonly() { return this.#readonly }
  get isMemory() { return this.handle.filename === '' || this.handle.filename === ':memory:' }
  prepare(sql: string) {
    const statement = this.handle.prepare(sql)
    this.#statements.add(statement)
    return new Statement(statement)
  }
  exec(sql: string) { this.handle.exec(sql) }
  close() {
    this.#open = false
    this.release()
    this.handle.close()
  }
  release() {
    for (const statement of this.#statements) statement.finalize()
    this.#statements.clear()
  }
}

export class BunSqliteDriver implements Driver {
  readonly name = 'bun:sqlite' as const
  readonly #Database: BunDatabaseClass

  constructor(Database: BunDatabaseClass) {
    this.#Database = Database
  }

  open(file: string, options: OpenConnectionOptions): DriverConnection {
    const readonly = options.readonly === true
    const handle = readonly
      ? new this.#Database(file, { readonly: true })
      : new this.#Database(file, { create: options.mustExist !== true, readwrite: true })
    // bun:sqlite takes no timeout option.
    handle.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`)
    return new Connection(this, handle, readonly)
  }

  wrap(handle: object): DriverConnection | null {
    return isBunSqlite(handle) ? new Connection(this, handle, false) : null
  }

  classify(error: unknown): SqliteFailure | null {
    return classifyBunSqliteError(error)
  }
}

export function classifyBunSqliteError(error: unknown): SqliteFailure | null {
  if (!(error instanceof Error)) return null
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return failureOf(code)
  if (/closed database|database has closed/i.test(error.message)) return { kind: 'closed', code: null }
  return null
}

let loaded: BunSqliteDriver | undefined

/** `bun:sqlite`, built into Bun. */
export function bunSqliteDriver(): BunSqliteDriver {
  if (loaded === undefined) {
    const { Database } = createRequire(import.meta.url)('bun:sqlite') as { Database: BunDatabaseClass }
    loaded = new BunSqliteDriver(Database)
  }
  return loaded
}

export function isBunSqliteHandle(handle: object): boolean {
  return isBunSqlite(handle)
}
