// better-sqlite3 as Prisma's adapter loads it: the one SQLite copy that createHonker and applyMigrations use.
import { createRequire } from 'node:module'
import { HonkerError } from '@honker/core'
import type { SqliteDriver } from '@honker/core/adapter'

let driver: SqliteDriver | undefined

/**
 * better-sqlite3 as `@prisma/adapter-better-sqlite3` loads it (resolved from the adapter's own
 * location), so Honker's connections and Prisma's share one copy of SQLite in the process.
 */
export function prismaSqliteDriver(): SqliteDriver {
  if (driver !== undefined) return driver
  let adapterEntry: string
  try {
    adapterEntry = createRequire(import.meta.url).resolve('@prisma/adapter-better-sqlite3')
  } catch (error) {
    throw new HonkerError('invalid_argument', '@prisma/adapter-better-sqlite3 is not installed: it is a peer dependency of @honker/prisma', {
      cause: error,
    })
  }
  driver = createRequire(adapterEntry)('better-sqlite3') as SqliteDriver
  return driver
}
