import { HonkerError } from './honker-error.ts'

/**
 * The commit watcher stopped: the file was replaced under the process (`database_replaced`) or the
 * watcher's connection failed (`watcher_died`). Every waiting consumer receives it instead of
 * hanging; reopen the database to recover.
 */
export class WatcherError extends HonkerError {
  constructor(code: 'database_replaced' | 'watcher_died', message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'WatcherError'
  }
}
