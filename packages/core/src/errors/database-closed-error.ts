import { HonkerError } from './honker-error.ts'

/** The Honker database (or the connection under it) was closed before this call. */
export class DatabaseClosedError extends HonkerError {
  constructor(message = 'the database is closed') {
    super('closed', message)
    this.name = 'DatabaseClosedError'
  }
}
