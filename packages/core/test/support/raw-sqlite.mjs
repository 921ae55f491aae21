// A raw SQLite handle for looking at a file from outside Honker (tests, fixtures, soaks), of the
// library of the driver under test (HONKER_DRIVER, default better-sqlite3): one SQLite copy per
// process, as in an app. For better-sqlite3 it is better-sqlite3 itself; for node:sqlite and
// bun:sqlite a small stand-in with the better-sqlite3 calls the tests make, over core's driver port.
import { createRequire } from 'node:module'
import { classifySqliteError, resolveDriver } from '@honker/core/adapter'

export const TEST_DRIVER = process.env.HONKER_DRIVER || 'better-sqlite3'

class Statement {
  #statement
  #pluck = false
  #raw = false

  constructor(statement) {
    this.#statement = statement
  }

  pluck(toggle = true) {
    this.#pluck = toggle
    return this
  }

  raw(toggle = true) {
    this.#raw = toggle
    return this
  }

  get(...params) {
    if (this.#pluck) return this.#statement.value(params)
    if (this.#raw) return this.#statement.values(params)[0]
    const row = this.#statement.get(params)
    // Plain objects, as better-sqlite3 gives (node:sqlite's rows have a null prototype).
    return row === undefined ? undefined : { ...row }
  }

  all(...params) {
    if (this.#pluck) return this.#statement.values(params).map((row) => row[0])
    if (this.#raw) return this.#statement.values(params)
    return this.#statement.all(params).map((row) => ({ ...row }))
  }

  run(...params) {
    return this.#statement.run(params)
  }
}

class Database {
  #connection

  constructor(file, options = {}) {
    this.#connection = resolveDriver(TEST_DRIVER).open(file, {
      readonly: options.readonly === true,
      mustExist: options.fileMustExist === true,
      busyTimeoutMs: options.timeout ?? 5000,
    })
  }

  /** The library's own handle, for `open({ database })`. */
  get handle() {
    return this.#connection.handle
  }

  get name() {
    return this.#connection.file
  }

  get open() {
    return this.#connection.isOpen
  }

  get inTransaction() {
    return this.#connection.inTransaction
  }

  get readonly() {
    return this.#connection.isReadonly
  }

  get memory() {
    return this.#connection.isMemory
  }

  prepare(sql) {
    return new Statement(this.#connection.prepare(sql))
  }

  exec(sql) {
    this.#connection.exec(sql)
    return this
  }

  pragma(source, options = {}) {
    const statement = this.#connection.prepare(`PRAGMA ${source}`)
    return options.simple === true ? statement.value() : statement.all()
  }

  transaction(fn) {
    const run = (begin) => (...args) => {
      this.#connection.exec(begin)
      try {
        const result = fn(...args)
        this.#connection.exec('COMMIT')
        return result
      } catch (error) {
        if (this.#connection.inTransaction) this.#connection.exec('ROLLBACK')
        throw error
      }
    }
    return Object.assign(run('BEGIN'), { deferred: run('BEGIN DEFERRED'), immediate: run('BEGIN IMMEDIATE'), exclusive: run('BEGIN EXCLUSIVE') })
  }

  close() {
    this.#connection.close()
    return this
  }
}

/** What `open({ database })` takes for a raw handle of the driver under test. */
export function libraryHandle(raw) {
  return raw instanceof Database ? raw.handle : raw
}

/** SQLite's result code name of an error any driver threw ('SQLITE_BUSY_SNAPSHOT'), or null. */
export function sqliteCodeOf(error) {
  return classifySqliteError(error)?.code ?? null
}

// better-sqlite3 is loaded only when it is the driver under test (it may not load in this runtime).
const Sqlite = TEST_DRIVER === 'better-sqlite3' ? createRequire(import.meta.url)('better-sqlite3') : Database
export default Sqlite
