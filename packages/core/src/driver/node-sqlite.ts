import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { failureOf, sqliteCodeName, type Driver, type OpenConnectionOptions, type SqliteFailure, type DriverConnection, type DriverStatement, type Row } from './driver.ts'

/** The parts of `node:sqlite`'s `DatabaseSync` this driver uses, typed structurally. */
export interface NodeSqliteDatabase {
  readonly isOpen: boolean
  /** Node 22.16+ / 24. */
  readonly isTransaction?: boolean
  location(dbName?: string): string | null
  prepare(source: string): NodeSqliteStatement
  exec(source: string): void
  close(): void
}

interface NodeSqliteStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  setReturnArrays?(enabled: boolean): void
}

type DatabaseSyncClass = new (file: string, options?: { readOnly?: boolean; timeout?: number }) => NodeSqliteDatabase

function isNodeSqlite(handle: object): handle is NodeSqliteDatabase {
  const candidate = handle as Partial<NodeSqliteDatabase>
  return typeof candidate.prepare === 'function' && typeof candidate.location === 'function' && typeof candidate.isOpen === 'boolean'
}

class Statement implements DriverStatement {
  readonly #statement: NodeSqliteStatement
  readonly #connection: NodeSqliteDatabase
  readonly #source: string
  #arrays: NodeSqliteStatement | undefined

  constructor(connection: NodeSqliteDatabase, source: string) {
    this.#connection = connection
    this.#source = source
    this.#statement = connection.prepare(source)
  }

  run(params: readonly unknown[] = []) {
    const result = this.#statement.run(...params)
    return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) }
  }

  get(params: readonly unknown[] = []) {
    return this.#statement.get(...params) as Row | undefined
  }

  all(params: readonly unknown[] = []) {
    return this.#statement.all(...params) as Row[]
  }

  values(params: readonly unknown[] = []) {
    const rows = this.#arraysStatement().all(...params)
    return rows.length === 0 || Array.isArray(rows[0]) ? (rows as unknown[][]) : rows.map((row) => Object.values(row as Row))
  }

  value(params: readonly unknown[] = []) {
    const row = this.#arraysStatement().get(...params)
    if (row === undefined) return undefined
    return Array.isArray(row) ? row[0] : Object.values(row as Row)[0]
  }

  #arraysStatement(): NodeSqliteStatement {
    if (this.#arrays === undefined) {
      const statement = this.#connection.prepare(this.#source)
      // setReturnArrays arrived in Node 24; before it, rows are objects in column order.
      if (typeof statement.setReturnArrays === 'function') statement.setReturnArrays(true)
      this.#arrays = statement
    }
    return this.#arrays
  }
}

class Connection implements DriverConnection {
  readonly driver: NodeSqliteDriver
  readonly handle: NodeSqliteDatabase
  readonly #readonly: boolean
  /** Tracked by hand where `isTransaction` is missing (before Node 22.16). */
  #beginCount = 0

  constructor(driver: NodeSqliteDriver, handle: NodeSqliteDatabase, readonly: boolean) {
    this.driver = driver
    this.handle = handle
    this.#readonly = readonly
  }

  get file() { return this.handle.isOpen ? (this.handle.location() ?? '') : '' }
  get isOpen() { return this.handle.isOpen }
  get inTransaction() {
    if (typeof this.handle.isTransaction === 'boolean') return this.handle.isTransaction
    return this.#beginCount > 0
  }
  get isReadonly() { return this.#readonly }
  get isMemory() { return this.handle.isOpen && !this.handle.location() }
  prepare(sql: string) { return new Statement(this.handle, sql) }
  exec(sql: string) { this.handle.exec(sql) }
  close() { this.handle.close() }
  // DatabaseSync finalizes its statements when the app closes it.
  release() {}
}

export class NodeSqliteDriver implements Driver {
  readonly name = 'node:sqlite' as const
  readonly #DatabaseSync: DatabaseSyncClass

  constructor(DatabaseSync: DatabaseSyncClass) {
    this.#DatabaseSync = DatabaseSync
  }

  open(file: string, options: OpenConnectionOptions): DriverConnection {
    const readonly = options.readonly === true
    // DatabaseSync has no must-exist flag; checking first only names the problem better.
    if ((readonly || options.mustExist === true) && !existsSync(file)) {
      throw Object.assign(new Error(`unable to open database file: ${file} does not exist`), { code: 'ERR_SQLITE_ERROR', errcode: 14 })
    }
    return new Connection(this, new this.#DatabaseSync(file, { readOnly: readonly, timeout: options.busyTimeoutMs }), readonly)
  }

  wrap(handle: object): DriverConnection | null {
    if (!isNodeSqlite(handle)) return null
    // DatabaseSync does not say whether it was opened read-only, and probing with a write could
    // wait on another process's lock: such a handle fails at the first write with readonly_database.
    const readonly = false
    return new Connection(this, handle, readonly)
  }

  classify(error: unknown): SqliteFailure | null {
    return classifyNodeSqliteError(error)
  }
}

export function classifyNodeSqliteError(error: unknown): SqliteFailure | null {
  if (!(error instanceof Error)) return null
  const { code, errcode } = error as { code?: unknown; errcode?: unknown }
  if (code === 'ERR_INVALID_STATE' && /not open/i.test(error.message)) return { kind: 'closed', code: null }
  if (code !== 'ERR_SQLITE_ERROR') return null
  return typeof errcode === 'number' ? failureOf(sqliteCodeName(errcode)) : { kind: 'other', code: null }
}

let loaded: NodeSqliteDriver | undefined

/** `node:sqlite`, built into Node 22.5+ (without a warning from Node 24). */
export function nodeSqliteDriver(): NodeSqliteDriver {
  if (loaded === undefined) {
    const { DatabaseSync } = createRequire(import.meta.url)('node:sqlite') as { DatabaseSync: DatabaseSyncClass }
    loaded = new NodeSqliteDriver(DatabaseSync)
  }
  return loaded
}

export function isNodeSqliteHandle(handle: object): boolean {
  return isNodeSqlite(handle)
}
