/**
 * The parts of a better-sqlite3 `Database` that Honker uses, typed structurally (as Kysely does)
 * so users are not forced to install `@types/better-sqlite3`.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  pluck(toggle?: boolean): this
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
  transaction<F extends (...args: any[]) => any>(fn: F): F & { immediate: F; deferred: F; exclusive: F }
  close(): this
}

/** The better-sqlite3 constructor; taken from the app's own handle so one SQLite copy serves both. */
export type SqliteDriver = new (
  filename: string,
  options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number },
) => SqliteConnection
