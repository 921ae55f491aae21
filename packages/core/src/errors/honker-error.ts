/**
 * Every error Honker throws on purpose is a `HonkerError` with a stable `code`, so callers can
 * branch on `error.code` instead of parsing messages. The marker survives two copies of the
 * package in one process (`instanceof` does not).
 */
export type HonkerErrorCode =
  | 'invalid_argument'
  | 'invalid_payload'
  | 'payload_too_large'
  | 'closed'
  | 'busy'
  | 'memory_database'
  | 'readonly_database'
  | 'transaction_closed'
  | 'claim_lost'
  | 'invalid_cron'
  | 'timeout'
  | 'lock_not_held'
  | 'async_transaction'
  | 'database_replaced'
  | 'watcher_died'
  | 'sqlite_error'
  | 'driver_unavailable'
  | 'unsupported_driver'
  | 'remote_database'
  | 'driver_limitation'
  | 'extension_unsupported'
  | 'migrations_not_found'
  | 'migration_failed'
  | 'migration_checksum_mismatch'
  | 'migration_unresolved'
  | 'connection_failed'
  | 'connection_lost'
  | 'permission_denied'
  | 'postgres_error'
  | 'engine_mismatch'

const marker = Symbol.for('honker.error')

export class HonkerError extends Error {
  readonly [marker] = true
  readonly code: HonkerErrorCode

  constructor(code: HonkerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'HonkerError'
    this.code = code
  }

  /** True for any Honker error (from any copy of the package), optionally of one code. */
  static isInstance(error: unknown, code?: HonkerErrorCode): error is HonkerError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[marker] === true &&
      (code === undefined || (error as HonkerError).code === code)
    )
  }
}
