/**
 * The parts of a better-sqlite3 `Database` that Honker uses, typed structurally (as Kysely does)
 * so users are not forced to install `@types/better-sqlite3`.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  pluck(toggle?: boolean): this
  raw(toggle?: boolean): this
}

/**
 * better-sqlite3's transaction wrapper: call it, or pick the BEGIN flavour. Typed loosely so that
 * `@types/better-sqlite3`'s generic `Database` stays assignable to `SqliteConnection`.
 */
export interface SqliteTransactionFunction {
  (...args: any[]): any
  deferred(...args: any[]): any
  immediate(...args: any[]): any
  exclusive(...args: any[]): any
}

export interface SqliteConnection {
  readonly name: string
  readonly open: boolean
  readonly inTransaction: boolean
  readonly readonly: boolean
  readonly memory: boolean
  prepare(source: string): SqliteStatement
  exec(source: string): this
  pragma(source: string, options?: { simple?: boolean }): unknown
  transaction(fn: (...args: any[]) => any): SqliteTransactionFunction
  close(): this
}

/** The better-sqlite3 constructor; taken from the app's own handle so one SQLite copy serves both. */
export type SqliteDriver = new (
  filename: string,
  options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number },
) => SqliteConnection
