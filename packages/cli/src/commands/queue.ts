import type { DriverName } from '@honker/core'
import { cliDriver, openHonker } from '../database.ts'
import { EXIT_OK } from '../errors.ts'
import { printJson, writeOut } from '../output.ts'

export interface QueueCommandOptions {
  db: string
  driver?: DriverName
  queue: string
  json?: boolean
}

/** What `honker queue` can do to a queue's shared settings. */
export type QueueAction = 'pause' | 'resume' | 'show'

/**
 * `honker queue pause|resume|show`: the queue's shared settings, read or changed in the database,
 * so every worker process obeys them (a resume wakes idle workers at once).
 */
export function queueCommand(action: QueueAction, options: QueueCommandOptions): number {
  const db = openHonker(options.db, { driver: cliDriver({ name: options.driver }) })
  try {
    const queue = db.queue(options.queue)
    if (action === 'pause') queue.pause()
    if (action === 'resume') queue.resume()
    const settings = queue.settings()
    if (options.json === true) printJson({ queue: options.queue, ...settings })
    else {
      const limits = [
        settings.concurrency === null ? null : `concurrency ${settings.concurrency}`,
        settings.groupConcurrency === null ? null : `group concurrency ${settings.groupConcurrency}`,
      ].filter((part) => part !== null)
      writeOut(`${options.queue}: ${settings.paused ? 'paused' : 'running'}${limits.length > 0 ? `, ${limits.join(', ')}` : ''}\n`)
    }
    return EXIT_OK
  } finally {
    db.close()
  }
}
