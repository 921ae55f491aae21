import { createRequire } from 'node:module'
import { failureOf, type Driver, type OpenConnectionOptions, type SqliteFailure, type DriverConnection, type DriverStatement, type Row } from './driver.ts'

/** The parts of a better-sqlite3 `Database` this driver uses, typed structurally. */
export interface BetterSqlite3Database {
  readonly name: string
  readonly open: boolean
  readonly inTransaction: boolean
  readonly readonly: boolean
  readonly memory: boolean
  prepare(source: string): BetterSqlite3Statement
  exec(source: string): unknown
  pragma(source: string, options?: { simple?: boolean }): unknown
  /** Not used by Honker (it issues BEGIN itself); kept so adapters and tests can type their own use. */
  transaction(fn: (...args: any[]) => any): BetterSqlite3TransactionFunction
  close(): unknown
}

/** Typed loosely so that `@types/better-sqlite3`'s generic `Database` stays assignable. */
export interface BetterSqlite3TransactionFunction {
  (...args: any[]): any
  deferred(...args: any[]): any
  immediate(...args: any[]): any
  exclusive(...args: any[]): any
}

export interface BetterSqlite3Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  raw(toggle?: boolean): this
  pluck(toggle?: boolean): this
}

/** The better-sqlite3 `Database` class. */
export type BetterSqlite3Class = new (
  filename: string,
  options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number },
) => BetterSqlite3Database

function isBetterSqlite3(handle: object): handle is BetterSqlite3Database {
  const candidate = handle as Partial<BetterSqlite3Database>
  return typeof candidate.prepare === 'function' && typeof candidate.pragma === 'function' && typeof candidate.memory === 'boolean'
}

class Statement implements DriverStatement {
  readonly #statement: BetterSqlite3Statement
  readonly #connection: BetterSqlite3Database
  readonly #source: string
  #raw: BetterSqlite3Statement | undefined
  #pluck: BetterSqlite3Statement | undefined

  constructor(connection: BetterSqlite3Database, source: string) {
    this.#connection = connection
    this.#source = source
    this.#statement = connection.prepare(source)
  }

  run(params: readonly unknown[] = []) {
    const result = this.#statement.run(...params)
    return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) }
  }

  get(params: readonly unknown[] = []) {
    return this.#statement.get(...params) as Row | undefined
  }

  all(params: readonly unknown[] = []) {
    return this.#statement.all(...params) as Row[]
  }

  values(params: readonly unknown[] = []) {
    return this.#arrays().all(...params) as unknown[][]
  }

  value(params: readonly unknown[] = []) {
    // Pluck mode: the watcher reads data_version this way on every check, so no array per read.
    this.#pluck ??= this.#connection.prepare(this.#source).pluck(true)
    return this.#pluck.get(...params)
  }

  /** A second prepared copy in raw mode: toggling one statement back and forth costs a call per use. */
  #arrays(): BetterSqlite3Statement {
    this.#raw ??= this.#connection.prepare(this.#source).raw(true)
    return this.#raw
  }
}

class Connection implements DriverConnection {
  readonly driver: BetterSqlite3Driver
  readonly handle: BetterSqlite3Database

  constructor(driver: BetterSqlite3Driver, handle: BetterSqlite3Database) {
    this.driver = driver
    this.handle = handle
  }

  get file() { return this.handle.name }
  get isOpen() { return this.handle.open }
  get inTransaction() { return this.handle.inTransaction }
  get isReadonly() { return this.handle.readonly }
  get isMemory() { return this.handle.memory }
  prepare(sql: string) { return new Statement(this.handle, sql) }
  exec(sql: string) { this.handle.exec(sql) }
  close() { this.handle.close() }
  // Statements are freed with the handle or by the garbage collector; they hold no file open.
  release() {}
}

export class BetterSqlite3Driver implements Driver {
  readonly name = 'better-sqlite3' as const
  readonly #Database: BetterSqlite3Class

  constructor(Database: BetterSqlite3Class) {
    this.#Database = Database
  }

  /** The class this driver opens connections with. */
  get databaseClass(): BetterSqlite3Class {
    return this.#Database
  }

  open(file: string, options: OpenConnectionOptions): DriverConnection {
    const readonly = options.readonly === true
    const fileMustExist = readonly || options.mustExist === true
    return new Connection(this, new this.#Database(file, { readonly, fileMustExist, timeout: options.busyTimeoutMs }))
  }

  wrap(handle: object): DriverConnection | null {
    if (!isBetterSqlite3(handle)) return null
    if ((handle as object).constructor !== this.#Database) return null
    return new Connection(this, handle)
  }

  classify(error: unknown): SqliteFailure | null {
    return classifyBetterSqlite3Error(error)
  }
}

export function classifyBetterSqlite3Error(error: unknown): SqliteFailure | null {
  if (!(error instanceof Error)) return null
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) return { kind: 'closed', code: null }
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? failureOf(code) : null
}

const drivers = new WeakMap<BetterSqlite3Class, BetterSqlite3Driver>()

/** One driver object per better-sqlite3 class (an app may, wrongly, have two copies installed). */
export function betterSqlite3Driver(Database: BetterSqlite3Class): BetterSqlite3Driver {
  let driver = drivers.get(Database)
  if (driver === undefined) {
    driver = new BetterSqlite3Driver(Database)
    drivers.set(Database, driver)
  }
  return driver
}

/** The driver for an app's better-sqlite3 handle: the class that built it opens Honker's connections. */
export function betterSqlite3DriverOf(handle: object): BetterSqlite3Driver | null {
  if (!isBetterSqlite3(handle)) return null
  return betterSqlite3Driver(handle.constructor as BetterSqlite3Class)
}

/** better-sqlite3 as resolved from `@honker/core` (a peer dependency, so normally the app's). */
export function loadBetterSqlite3(): BetterSqlite3Class {
  return createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3Class
}
