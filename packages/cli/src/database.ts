import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { HonkerError, open, type Database } from '@honker/core'
import { CliError } from './errors.ts'

/**
 * Every command opens the file through here. The file must exist: a mistyped `--db` would
 * otherwise create an empty database and, say, a worker that waits on it forever. (`enqueue
 * --create` is the one way to create one from the command line.)
 */
export function requireDatabaseFile(file: string): string {
  const resolved = path.resolve(file)
  if (!existsSync(resolved)) {
    throw new CliError('database_not_found', `no database file at ${resolved} (check --db)`)
  }
  if (!statSync(resolved).isFile()) throw new CliError('database_not_found', `${resolved} is not a file`)
  return resolved
}

/**
 * Open the database with core (migrating honker's tables if needed). Core gets this package's
 * better-sqlite3 as its driver so the process holds one SQLite copy: two copies in one process
 * lose each other's POSIX locks.
 */
export function openHonker(file: string, options: { create?: boolean } = {}): Database {
  const resolved = options.create === true ? path.resolve(file) : requireDatabaseFile(file)
  try {
    return open(resolved, { driver: Sqlite })
  } catch (error) {
    // SQLite's own words ("file is not a database") do not say which file.
    if (HonkerError.isInstance(error, 'sqlite_error')) {
      throw new CliError('sqlite_error', `cannot open ${resolved}: ${error.message}`, { cause: error })
    }
    throw error
  }
}

/**
 * A read-only connection for reports (status, the worker's oldest-pending figure): it never
 * migrates or locks the file for writing, so `status` works beside busy writers and leaves a
 * file honker created exactly as it was.
 */
export function openReadonly(file: string): Sqlite.Database {
  const resolved = requireDatabaseFile(file)
  try {
    return new Sqlite(resolved, { readonly: true, fileMustExist: true, timeout: 5000 })
  } catch (error) {
    throw new CliError('sqlite_error', `cannot open ${resolved}: ${(error as Error).message}`, { cause: error })
  }
}

/** Names of the tables in the file, to report on what exists. */
export function tableNames(connection: Sqlite.Database): Set<string> {
  try {
    const names = connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]
    return new Set(names)
  } catch (error) {
    // SQLITE_NOTADB and friends surface on the first read, not at open.
    throw new CliError('sqlite_error', `cannot read ${connection.name}: ${(error as Error).message}`, { cause: error })
  }
}
