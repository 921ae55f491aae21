import { classifySqliteError } from '../driver/resolve.ts'
import { BusyError } from './busy-error.ts'
import { DatabaseClosedError } from './database-closed-error.ts'
import { HonkerError } from './honker-error.ts'

/**
 * Map a driver error to a coded Honker error at the executor boundary; the original stays in
 * `cause`. Errors that are already Honker errors, and errors no driver recognises, pass through.
 */
export function toHonkerError(error: unknown): unknown {
  if (HonkerError.isInstance(error)) return error
  if (!(error instanceof Error)) return error
  const failure = classifySqliteError(error)
  if (failure === null) return error
  switch (failure.kind) {
    case 'busy':
      return new BusyError(`database is locked by another connection: ${error.message}`, { cause: error })
    case 'readonly':
      return new HonkerError('readonly_database', `database is read-only: ${error.message}`, { cause: error })
    case 'closed':
      return new DatabaseClosedError()
    default:
      // A full disk keeps the general code (with SQLITE_FULL in the cause), as before the port.
      return new HonkerError('sqlite_error', error.message, { cause: error })
  }
}
