import type { DriverName } from '@honker/core'
import { prometheusText } from '@honker/core/engine'
import { cliDriver, openReadonly, requireDatabaseFile } from '../database.ts'
import { EXIT_OK } from '../errors.ts'
import { writeOut } from '../output.ts'
import { collectStatus } from '../status/collect-status.ts'

export interface MetricsCommandOptions {
  db: string
  driver?: DriverName
}

/**
 * `honker metrics`: every queue's depth by state, dead letters and oldest pending age, as
 * Prometheus text (format 0.0.4), from a read-only connection: for a textfile collector or a
 * scrape wrapper.
 */
export function metricsCommand(options: MetricsCommandOptions): number {
  const file = requireDatabaseFile(options.db)
  const connection = openReadonly(file, cliDriver({ name: options.driver }))
  try {
    const status = collectStatus(connection, file, Math.floor(Date.now() / 1000))
    writeOut(prometheusText(status.queues))
    return EXIT_OK
  } finally {
    connection.close()
  }
}
