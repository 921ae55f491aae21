// The raw SQLite handle of the driver under test, typed as better-sqlite3 so the tests read the
// same on every driver (support/raw-sqlite.mjs implements what they call).
import type BetterSqlite3 from 'better-sqlite3'
// @ts-expect-error plain .mjs shared with the fixtures and soaks, without declarations
import RawSqlite, { TEST_DRIVER as driver, libraryHandle as handleOf, sqliteCodeOf as codeOf } from './support/raw-sqlite.mjs'
import type { DriverName } from '../src/driver/driver.ts'

export const TEST_DRIVER = driver as DriverName
export const libraryHandle = handleOf as <T>(raw: T) => T
export const sqliteCodeOf = codeOf as (error: unknown) => string | null

const Sqlite = RawSqlite as typeof BetterSqlite3
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace Sqlite {
  type Database = BetterSqlite3.Database
  type Statement = BetterSqlite3.Statement
  type Options = BetterSqlite3.Options
}
export default Sqlite
