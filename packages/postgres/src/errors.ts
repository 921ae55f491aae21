import { BusyError, HonkerError } from '@honker/core/engine'

/** A PostgreSQL error the server reported, with its SQLSTATE kept for callers that branch on it. */
export class PostgresError extends HonkerError {
  readonly sqlState: string | undefined

  constructor(message: string, sqlState: string | undefined, options?: { cause?: unknown }) {
    super('postgres_error', message, options)
    this.name = 'PostgresError'
    this.sqlState = sqlState
  }
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN'])
/** Invalid password, unknown role or database, too many connections: nothing was run. */
const CONNECT_STATES = new Set(['28P01', '28000', '3D000', '53300', '57P03'])
/** The connection went away mid-work: admin shutdown, crash, terminated backend, broken link. */
const LOST_STATES = new Set(['57P01', '57P02', '08000', '08003', '08006', '08001', '08004'])

function isLostMessage(message: string): boolean {
  return /Connection terminated|terminating connection|Client has encountered a connection error|Client was closed|connection is closed|not queryable/i.test(message)
}

/**
 * Map a `pg` error to a coded HonkerError. Connection trouble is `connection_failed` (nothing ran)
 * or `connection_lost` (a statement or transaction was cut off: the server rolled it back, unless
 * COMMIT was already sent, in which case the outcome is unknown and the message says so).
 */
export function toHonkerError(error: unknown, context: { committing?: boolean } = {}): Error {
  if (HonkerError.isInstance(error)) return error
  if (typeof error !== 'object' || error === null) return new HonkerError('postgres_error', String(error))
  // An ORM's wrapper (Drizzle's "Failed query", ...) keeps the driver's error as its cause.
  const cause = (error as { cause?: unknown }).cause
  if ((error as { code?: unknown }).code === undefined && typeof cause === 'object' && cause !== null && 'code' in cause) {
    const coded = toHonkerError(cause, context)
    if (HonkerError.isInstance(coded)) return coded
  }
  const { code, message = '' } = error as { code?: string; message?: string }
  if (code === '40001' || code === '40P01') {
    const busy = new BusyError(`${message} (PostgreSQL ${code}); the transaction was rolled back, retry it`)
    ;(busy as { cause?: unknown }).cause = error
    return busy
  }
  if (code === '42501') {
    return new HonkerError('permission_denied', `${message}: the role cannot create or use Honker's schema; have an owner run the migration (open({ migrate: true }) once) or grant the rights`, { cause: error })
  }
  if ((code !== undefined && CONNECT_CODES.has(code)) || (code !== undefined && CONNECT_STATES.has(code))) {
    return new HonkerError('connection_failed', `cannot connect to PostgreSQL: ${message || code}`, { cause: error })
  }
  if ((code !== undefined && LOST_STATES.has(code)) || isLostMessage(message)) {
    const outcome = context.committing ? ' while committing: the outcome of the transaction is unknown' : '; the server rolled back the unfinished transaction'
    return new HonkerError('connection_lost', `the connection to PostgreSQL was lost${outcome} (${message || code})`, { cause: error })
  }
  if (error instanceof Error && code === undefined) return error
  return new PostgresError(message, code, { cause: error })
}
