import { HonkerError } from './honker-error.ts'

/** SQLite stayed locked by another connection for longer than `busy_timeout`. */
export class BusyError extends HonkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('busy', message, options)
    this.name = 'BusyError'
  }
}
