import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { HonkerError } from '../errors/honker-error.ts'
import { failureOf, sqliteCodeName, type Driver, type OpenConnectionOptions, type SqliteFailure, type DriverConnection, type DriverStatement, type Row } from './driver.ts'

/**
 * The `libsql` package (tursodatabase/libsql-js): libSQL's native module with a better-sqlite3-like
 * synchronous API, and what `@libsql/client` runs on for `file:` URLs. Checked against 0.5.x, where
 * it differs from better-sqlite3 in ways this file works around:
 *
 * - `run()` steps a statement that returns rows once and leaves it active, holding its transaction
 *   (the write lock, after `INSERT ... RETURNING`): statements that return rows never go through
 *   `run()` here. `get()` does not reset a statement before binding, so after `all()` or a failure
 *   it would run with the previous parameters: `get()` has a statement of its own (see Statement).
 * - A statement that fails with SQLITE_BUSY is not reset (better-sqlite3 resets after every step),
 *   and SQLite keeps a busy statement resumable, so it stays active: while it does, no other
 *   statement's end ends its transaction, the connection keeps a stale snapshot (and, after a
 *   write, the write lock), and every later write fails at once with SQLITE_BUSY_SNAPSHOT. Such a
 *   statement is finished here at once: run again under `PRAGMA query_only`, a write stops with
 *   SQLITE_READONLY before it changes anything, and a read runs to its first row and is reset.
 *   (COMMIT, RELEASE and ROLLBACK are left alone: run again they would end the transaction. A busy
 *   COMMIT holds nothing that blocks other statements, and the next COMMIT resets it.)
 * - `get()` adds a `_metadata` key to every row object: rows are read as arrays and keyed here.
 * - Binding a boolean aborts the process (a Rust `todo!()` under `panic = "abort"`), and reading
 *   `inTransaction` on a closed handle aborts it too: both are refused before they reach the library.
 * - Text is read back only up to its first NUL character: a string holding one is refused at bind
 *   (code 'driver_limitation') rather than stored and read back shortened.
 * - A statement keeps its connection alive: `close()` only lets go, and the file stays open until
 *   the garbage collector frees every statement prepared on it. Closing a connection here detaches
 *   Honker's statements from the library, so that collection can happen; it cannot be forced.
 * - `name` is always '' and `readonly` always false: the file is read with `PRAGMA database_list`,
 *   and a read-only connection is opened as a `file:...?mode=ro` URI, which the library accepts.
 */

/** The parts of a `libsql` `Database` this driver uses, typed structurally. */
export interface LibsqlDatabase {
  readonly open: boolean
  readonly memory: boolean
  readonly inTransaction: boolean
  prepare(source: string): LibsqlStatement
  exec(source: string): unknown
  close(): unknown
  /** libSQL's replication calls: what tells its handle from better-sqlite3's. */
  syncUntil(replicationIndex: number): unknown
  maxWriteReplicationIndex(): unknown
}

interface LibsqlStatement {
  readonly reader: boolean
  run(params: readonly unknown[]): { changes: number; lastInsertRowid: number | bigint }
  get(params: readonly unknown[]): unknown
  all(params: readonly unknown[]): unknown[]
  raw(toggle?: boolean): unknown
  columns(): { name: string }[]
}

/** The `libsql` `Database` class. */
export type LibsqlClass = new (path: string, options?: { timeout?: number }) => LibsqlDatabase

function isLibsql(handle: object): handle is LibsqlDatabase {
  const candidate = handle as Partial<LibsqlDatabase>
  return typeof candidate.prepare === 'function' && typeof candidate.syncUntil === 'function' && typeof candidate.maxWriteReplicationIndex === 'function'
}

export function isLibsqlClass(value: unknown): value is LibsqlClass {
  return typeof value === 'function' && isLibsql((value as { prototype?: object }).prototype ?? {})
}

/**
 * Refuse what libsql cannot take: a boolean (better-sqlite3's words; libsql would abort the
 * process) and text holding NUL (libsql reads text back only up to its first NUL).
 */
function checkParams(params: readonly unknown[]): void {
  for (let i = 0; i < params.length; i++) {
    const value = params[i]
    if (typeof value === 'string') {
      if (value.includes('\0')) {
        throw new HonkerError(
          'driver_limitation',
          `libsql reads text back only up to its first NUL character, so a string containing one (parameter ${i + 1}) cannot be stored faithfully; use another driver, or keep NUL out of names and text`,
        )
      }
    } else if (typeof value === 'boolean') {
      throw new TypeError('SQLite3 can only bind numbers, strings, bigints, buffers, and null')
    }
  }
}

/** SQLITE_BUSY and SQLITE_LOCKED (and their extended codes): SQLite leaves the statement resumable. */
function leavesStatementActive(error: unknown): boolean {
  const rawCode = (error as { rawCode?: unknown } | null)?.rawCode
  return typeof rawCode === 'number' && ((rawCode & 0xff) === 5 || (rawCode & 0xff) === 6)
}

/** The library's own error for a closed connection (better-sqlite3 words it the same way). */
function closedError(): TypeError {
  return new TypeError('The database connection is not open')
}

/** Which of a statement's copies in the library a call uses (see Statement). */
type Mode = 'run' | 'get' | 'all'

/**
 * One SQL text, with a copy prepared in the library per way it is called. libsql's `get()` binds
 * without resetting first: after `all()` (which leaves its statement finished, not reset) or after
 * a failure, the binding is refused (SQLITE_MISUSE, ignored by libsql) and the statement runs with
 * its previous parameters. So `get()` has a copy of its own, which only `get()` uses and which
 * resets after each row it returns; `all()` and `run()` reset before they run. A copy that failed
 * is dropped and prepared afresh.
 */
class Statement implements DriverStatement {
  readonly #connection: Connection
  readonly #sql: string
  readonly #copies: Record<Mode, LibsqlStatement | null> = { run: null, get: null, all: null }
  #detached = false
  readonly #reader: boolean
  /** Whether running it again after SQLITE_BUSY is harmless under query_only (not so COMMIT and its kin). */
  readonly #finishable: boolean
  #columns: string[] = []

  constructor(connection: Connection, sql: string) {
    this.#connection = connection
    this.#sql = sql
    // Prepared now, so that bad SQL fails here as with the other libraries.
    const first = connection.handle.prepare(sql)
    this.#reader = first.reader
    this.#finishable = !/^\s*(COMMIT|END|RELEASE|ROLLBACK)\b/i.test(sql)
    if (this.#reader) {
      first.raw(true)
      this.#columns = first.columns().map((column) => column.name)
      this.#copies.get = first
    } else {
      this.#copies.run = first
    }
  }

  /** The library's copy for `mode`, while the connection is open (a detached statement refuses like a closed handle). */
  #live(mode: Mode, params: readonly unknown[]): LibsqlStatement {
    if (this.#detached || !this.#connection.isOpen) throw closedError()
    checkParams(params)
    let copy = this.#copies[mode]
    if (copy === null) {
      copy = this.#connection.handle.prepare(this.#sql)
      if (this.#reader) copy.raw(true)
      this.#copies[mode] = copy
    }
    return copy
  }

  /** Drop the library's statements: they hold the connection (and the file) open until collected. */
  detach(): void {
    this.#detached = true
    this.#copies.run = this.#copies.get = this.#copies.all = null
  }

  /** One call of a copy; a busy failure is finished at once (see the top), and a failed copy dropped. */
  #call<T>(mode: Mode, params: readonly unknown[], call: (statement: LibsqlStatement) => T): T {
    const statement = this.#live(mode, params)
    try {
      return call(statement)
    } catch (error) {
      if (this.#finishable && leavesStatementActive(error)) this.#connection.finish(statement, this.#reader, params)
      this.#copies[mode] = null
      throw error
    }
  }

  run(params: readonly unknown[] = []) {
    // A statement that returns rows is stepped through get(), as better-sqlite3's run() steps it.
    if (this.#reader) return this.#call('get', params, (statement) => this.#connection.runReader(statement, params))
    const result = this.#call('run', params, (statement) => statement.run(params))
    return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) }
  }

  get(params: readonly unknown[] = []) {
    const row = this.#call('get', params, (statement) => statement.get(params)) as unknown[] | undefined
    return row === undefined ? undefined : this.#keyed(row)
  }

  all(params: readonly unknown[] = []) {
    const rows = this.#call('all', params, (statement) => statement.all(params)) as unknown[][]
    const keyed = new Array<Row>(rows.length)
    for (let i = 0; i < rows.length; i++) keyed[i] = this.#keyed(rows[i]!)
    return keyed
  }

  values(params: readonly unknown[] = []) {
    return this.#call('all', params, (statement) => statement.all(params)) as unknown[][]
  }

  value(params: readonly unknown[] = []) {
    return (this.#call('get', params, (statement) => statement.get(params)) as unknown[] | undefined)?.[0]
  }

  #keyed(values: unknown[]): Row {
    // A schema change re-prepares the statement inside SQLite and may change its columns.
    if (values.length !== this.#columns.length) {
      this.#columns = this.#connection.handle.prepare(this.#sql).columns().map((column) => column.name)
    }
    const row: Row = {}
    for (let i = 0; i < values.length; i++) row[this.#columns[i]!] = values[i]
    return row
  }
}

/** Forget a statement once the garbage collector has freed it (`tx.run` prepares one per call). */
const forget = new FinalizationRegistry<{ statements: Set<WeakRef<Statement>>; ref: WeakRef<Statement> }>(({ statements, ref }) => {
  statements.delete(ref)
})

class Connection implements DriverConnection {
  readonly driver: LibsqlDriver
  readonly handle: LibsqlDatabase
  readonly #readonly: boolean
  /** The file: the path Honker opened, or (an app's handle) read once with PRAGMA database_list. */
  #file: string | undefined
  #closed = false
  /** Statements prepared here, to detach on close or release. */
  readonly #statements = new Set<WeakRef<Statement>>()
  #totals: LibsqlStatement | undefined

  constructor(driver: LibsqlDriver, handle: LibsqlDatabase, readonly: boolean, file?: string) {
    this.driver = driver
    this.handle = handle
    this.#readonly = readonly
    this.#file = file
  }

  get file() {
    if (this.#file === undefined) {
      if (!this.isOpen) return ''
      const rows = this.handle.prepare('PRAGMA database_list').all([]) as { name?: unknown; file?: unknown }[]
      const main = rows.find((row) => row.name === 'main')
      this.#file = typeof main?.file === 'string' ? main.file : ''
    }
    return this.#file
  }
  get isOpen() { return !this.#closed && this.handle.open }
  // Reading inTransaction on a closed libsql handle aborts the process.
  get inTransaction() { return this.isOpen && this.handle.inTransaction }
  get isReadonly() { return this.#readonly }
  get isMemory() { return this.handle.memory || (this.isOpen && this.file === '') }

  prepare(sql: string) {
    if (!this.isOpen) throw closedError()
    const statement = new Statement(this, sql)
    const ref = new WeakRef(statement)
    this.#statements.add(ref)
    forget.register(statement, { statements: this.#statements, ref })
    return statement
  }

  exec(sql: string) {
    if (!this.isOpen) throw closedError()
    this.handle.exec(sql)
  }

  close() {
    this.#closed = true
    this.release()
    this.handle.close()
  }

  release() {
    for (const ref of this.#statements) ref.deref()?.detach()
    this.#statements.clear()
    this.#totals = undefined
  }

  /**
   * Finish a statement the library left active after SQLITE_BUSY (see the top of this file): run it
   * again with writes refused, so that a write stops at its first step with SQLITE_READONLY (its
   * end), and a read steps to its first row and is reset. A read that is busy again stays active:
   * it is tried a few times.
   */
  finish(statement: LibsqlStatement, reader: boolean, params: readonly unknown[]): void {
    let queryOnly: unknown
    try {
      queryOnly = (this.handle.prepare('PRAGMA query_only').get([]) as { query_only?: unknown } | undefined)?.query_only
      this.handle.exec('PRAGMA query_only = 1')
    } catch {
      return // closed, or unusable: nothing more can be done here
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          if (reader) statement.get(params)
          else statement.run(params)
          return
        } catch (error) {
          if (!leavesStatementActive(error)) return
        }
      }
    } finally {
      this.handle.exec(`PRAGMA query_only = ${queryOnly === 1 ? 1 : 0}`)
    }
  }

  /**
   * `run()` of a statement that returns rows (`INSERT ... RETURNING`, a pragma): stepped once and
   * reset through get(), as better-sqlite3's run() does, with the changes SQLite counted.
   */
  runReader(statement: LibsqlStatement, params: readonly unknown[]) {
    if (this.#totals === undefined) {
      this.#totals = this.handle.prepare('SELECT total_changes(), changes(), last_insert_rowid()')
      this.#totals.raw(true)
    }
    const before = (this.#totals.get([]) as number[])[0]
    statement.get(params)
    const [total, changes, rowid] = this.#totals.get([]) as number[]
    return { changes: total === before ? 0 : Number(changes), lastInsertRowid: Number(rowid) }
  }
}

/** A `file:` URI for the path: the only way this library opens a file read-only. */
function readOnlyUri(file: string): string {
  let uriPath = file.replace(/\\/g, '/').replace(/[%?#]/g, (c) => encodeURIComponent(c))
  if (/^[A-Za-z]:/.test(uriPath)) uriPath = `/${uriPath}`
  return `file:${uriPath}?mode=ro`
}

export class LibsqlDriver implements Driver {
  readonly name = 'libsql' as const
  readonly #Database: LibsqlClass

  constructor(Database: LibsqlClass) {
    this.#Database = Database
  }

  /** The class this driver opens connections with. */
  get databaseClass(): LibsqlClass {
    return this.#Database
  }

  open(file: string, options: OpenConnectionOptions): DriverConnection {
    const readonly = options.readonly === true
    // The library has no must-exist flag (nor a read-only one: see readOnlyUri).
    if ((readonly || options.mustExist === true) && !existsSync(file)) {
      throw Object.assign(new Error(`unable to open database file: ${file} does not exist`), { code: 'SQLITE_CANTOPEN', rawCode: 14 })
    }
    let handle: LibsqlDatabase
    try {
      // timeout: the connection's busy timeout in milliseconds (none when 0).
      handle = new this.#Database(readonly ? readOnlyUri(file) : file, { timeout: options.busyTimeoutMs })
    } catch (error) {
      throw openFailure(error) ?? error
    }
    return new Connection(this, handle, readonly, file)
  }

  wrap(handle: object): DriverConnection | null {
    if (!isLibsql(handle)) return null
    // Like node:sqlite's, a libsql handle does not say whether it was opened read-only (a mode=ro
    // URI): such a handle fails at its first write with readonly_database.
    const connection = new Connection(this, handle, false)
    if (connection.isOpen && !connection.isMemory && !existsSync(connection.file)) {
      throw remoteDatabaseError(`the libsql handle's database (${connection.file}) is not a file on this machine`)
    }
    return connection
  }

  classify(error: unknown): SqliteFailure | null {
    return classifyLibsqlError(error)
  }
}

/** An open that failed before SQLite answered: the library reports `ConnectionFailed("...: <code>")`. */
function openFailure(error: unknown): (Error & { code: string; rawCode: number }) | null {
  if (!(error instanceof Error)) return null
  const match = /^ConnectionFailed\("(.*): (\d+)"\)$/s.exec(error.message)
  if (match === null) return null
  const rawCode = Number(match[2])
  return Object.assign(new Error(`unable to open database file: ${match[1]}`, { cause: error }), { code: sqliteCodeName(rawCode), rawCode })
}

export function classifyLibsqlError(error: unknown): SqliteFailure | null {
  if (!(error instanceof Error)) return null
  // libsql's SqliteError: `code` is the extended code's name and `rawCode` its number. An
  // @libsql/client LibsqlError: `code` is the primary code's name, `extendedCode` the extended one's.
  const { code, rawCode, extendedCode } = error as { code?: unknown; rawCode?: unknown; extendedCode?: unknown }
  if (typeof rawCode === 'number' && typeof code === 'string') {
    const named = [extendedCode, code].find((name): name is string => typeof name === 'string' && /^SQLITE_[A-Z_]+$/.test(name) && name !== 'SQLITE_UNKNOWN')
    return failureOf(named ?? sqliteCodeName(rawCode))
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) return { kind: 'closed', code: null }
  const failed = openFailure(error)
  return failed === null ? null : failureOf(failed.code)
}

export function remoteDatabaseError(what: string): HonkerError {
  return new HonkerError(
    'remote_database',
    `${what}. Honker needs the database file on this machine: it wakes workers by watching the file for commits ` +
      '(PRAGMA data_version), and claims with one local write each. A remote Turso database (libsql://, http(s)://, ws(s)://) ' +
      'or an embedded replica has no such file: it would need a poll-based wake and a network round trip per claim, which ' +
      'Honker does not do. Use a file: URL on this machine, or run the workers where the file is',
  )
}

const drivers = new WeakMap<LibsqlClass, LibsqlDriver>()

/** One driver object per libsql class (two copies loaded would be two SQLite libraries). */
export function libsqlDriver(Database: LibsqlClass): LibsqlDriver {
  let driver = drivers.get(Database)
  if (driver === undefined) {
    driver = new LibsqlDriver(Database)
    drivers.set(Database, driver)
  }
  return driver
}

/** The driver for an app's libsql handle: the class that built it opens Honker's connections. */
export function libsqlDriverOf(handle: object): LibsqlDriver | null {
  if (!isLibsql(handle)) return null
  const Database = handle.constructor
  return isLibsqlClass(Database) ? libsqlDriver(Database) : null
}

interface CachedModule {
  filename?: string
  loaded?: boolean
  exports?: unknown
  children?: CachedModule[]
}

/**
 * The libsql copies this process has already loaded, one per native module (`@libsql/<platform>`'s
 * `index.node`): what `@libsql/client` loaded for the app, since its Node entry imports libsql.
 * Two JavaScript copies over one native module are one SQLite library.
 */
export function loadedLibsqlClasses(): Map<string, LibsqlClass> {
  const found = new Map<string, LibsqlClass>()
  let cache: Record<string, CachedModule | undefined>
  try {
    cache = createRequire(import.meta.url).cache as Record<string, CachedModule | undefined>
  } catch {
    return found
  }
  for (const [file, module] of Object.entries(cache ?? {})) {
    if (!/[\\/]libsql[\\/]index\.js$/.test(file) || module === undefined || !isLibsqlClass(module.exports)) continue
    const native = module.children?.find((child) => child.filename?.endsWith('.node'))?.filename ?? file
    if (!found.has(native)) found.set(native, module.exports)
  }
  return found
}

let chosen: LibsqlClass | undefined

/**
 * libsql for this process: the copy already loaded (by the app's `@libsql/client`, or the app
 * itself), else the one `@honker/core` resolves (an optional peer dependency, so normally the app's).
 * Kept once chosen.
 */
export function loadLibsql(): LibsqlClass {
  chosen ??= findLibsql()
  return chosen
}

function findLibsql(): LibsqlClass {
  const loaded = loadedLibsqlClasses()
  if (loaded.size > 1) {
    throw new HonkerError(
      'unsupported_driver',
      `this process has loaded ${loaded.size} copies of libsql's native module (${[...loaded.keys()].join(', ')}); ` +
        'two SQLite libraries in one process lose each other\'s locks: install one libsql version',
    )
  }
  const only = loaded.values().next()
  if (only.done !== true) return only.value
  const Database = createRequire(import.meta.url)('libsql') as unknown
  if (!isLibsqlClass(Database)) throw new Error("the module 'libsql' is not libsql's Database class")
  return Database
}

/** The parts of an `@libsql/client` `Client` Honker reads, typed structurally. */
export interface LibsqlClient {
  /** 'file' for a local file (libsql underneath), 'http' or 'ws' for a remote database. */
  readonly protocol: string
  readonly closed: boolean
  execute(sql: string): Promise<{ rows: ArrayLike<unknown> }>
}

export function isLibsqlClient(value: unknown): value is LibsqlClient {
  const candidate = value as Partial<LibsqlClient> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.protocol === 'string' &&
    typeof candidate.execute === 'function' &&
    typeof (candidate as { batch?: unknown }).batch === 'function' &&
    typeof (candidate as { prepare?: unknown }).prepare !== 'function'
  )
}
