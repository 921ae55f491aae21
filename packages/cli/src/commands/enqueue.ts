import type { DriverName } from '@honker/core'
import { cliDriver, openHonker } from '../database.ts'
import { EXIT_OK } from '../errors.ts'
import { printJson, writeOut } from '../output.ts'

export interface EnqueueCommandOptions {
  db: string
  driver?: DriverName
  queue: string
  payload: unknown
  priority?: number
  delay?: number
  maxAttempts?: number
  expires?: number
  create?: boolean
  json?: boolean
}

/** `honker enqueue`: add one job and print its id (alone on a line, for `id=$(honker enqueue ...)`). */
export function enqueueCommand(options: EnqueueCommandOptions): number {
  const db = openHonker(options.db, { driver: cliDriver({ name: options.driver }), createFlag: true, create: options.create === true })
  try {
    const id = db.queue(options.queue).enqueue(options.payload, {
      ...(options.priority === undefined ? {} : { priority: options.priority }),
      ...(options.delay === undefined ? {} : { delayS: options.delay }),
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      ...(options.expires === undefined ? {} : { expiresS: options.expires }),
    })
    if (options.json === true) printJson({ id, queue: options.queue })
    else writeOut(`${id}\n`)
    return EXIT_OK
  } finally {
    db.close()
  }
}
