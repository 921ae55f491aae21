import { BusyError } from './busy-error.ts'
import { DatabaseClosedError } from './database-closed-error.ts'
import { HonkerError } from './honker-error.ts'

/**
 * Map a driver error to a coded Honker error at the executor boundary; the original stays in
 * `cause`. Errors that are already Honker errors pass through.
 */
export function toHonkerError(error: unknown): unknown {
  if (HonkerError.isInstance(error)) return error
  if (!(error instanceof Error)) return error
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return new BusyError(`database is locked by another connection: ${error.message}`, { cause: error })
  }
  if (code === 'SQLITE_READONLY' || (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))) {
    return new HonkerError('readonly_database', `database is read-only: ${error.message}`, { cause: error })
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new DatabaseClosedError()
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new HonkerError('sqlite_error', error.message, { cause: error })
  }
  return error
}
