import type { DriverName } from '@honker/core'
import { cliDriver, openReadonly, requireDatabaseFile } from '../database.ts'
import { EXIT_OK } from '../errors.ts'
import { printJson, writeOut } from '../output.ts'
import { collectStatus } from '../status/collect-status.ts'
import { formatStatus } from '../status/format-status.ts'

export interface StatusCommandOptions {
  db: string
  driver?: DriverName
  json?: boolean
}

/** `honker status`: queues, streams with consumer lag, and schedules, from a read-only connection. */
export function statusCommand(options: StatusCommandOptions): number {
  const file = requireDatabaseFile(options.db)
  const connection = openReadonly(file, cliDriver({ name: options.driver }))
  try {
    const status = collectStatus(connection, file, Math.floor(Date.now() / 1000))
    if (options.json === true) printJson(status)
    else writeOut(`${formatStatus(status)}\n`)
    return EXIT_OK
  } finally {
    connection.close()
  }
}
