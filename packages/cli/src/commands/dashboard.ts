import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DriverName } from '@honker/core'
import { cliDriver, openHonker } from '../database.ts'
import { CliError, EXIT_OK } from '../errors.ts'
import { aborted, listenForShutdown } from '../shutdown.ts'

export interface DashboardCommandOptions {
  db: string
  driver?: DriverName
  port: number
  host: string
  token?: string
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/**
 * `honker dashboard`: the web dashboard (@honker/dashboard) on node:http, on 127.0.0.1:4000 by
 * default, until SIGINT/SIGTERM. Read-only unless `--token` (or HONKER_DASHBOARD_TOKEN) is given;
 * the token link it prints logs a browser in for actions.
 */
export async function dashboardCommand(options: DashboardCommandOptions): Promise<number> {
  const token = options.token === '' ? undefined : options.token
  if (token !== undefined && token.length < 8) throw new CliError('usage', '--token: use at least 8 characters', { exitCode: 2 })
  // Loaded here, not at the top: the other commands never pay for the web server's modules.
  const { createDashboard, toNodeListener } = await import('@honker/dashboard')
  const db = openHonker(options.db, { driver: cliDriver({ name: options.driver }) })
  const dashboard = createDashboard({ db, token })
  const server = createServer(toNodeListener(dashboard))
  const shutdown = listenForShutdown()
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new CliError(error.code === 'EADDRINUSE' ? 'address_in_use' : 'listen_failed', `cannot listen on ${options.host}:${options.port}: ${error.message}`, { cause: error })),
      )
      server.listen(options.port, options.host, resolve)
    })
    const address = server.address() as AddressInfo
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    const url = `http://${host}:${address.port}/`
    const mode = token === undefined ? 'read-only (pass --token to allow actions)' : `actions allowed after opening ${url}login?token=<your token>`
    process.stderr.write(`honker dashboard: serving ${db.path} at ${url} — ${mode} (Ctrl-C stops)\n`)
    if (!LOOPBACK.has(options.host)) {
      process.stderr.write(`honker dashboard: warning: listening on ${options.host}, reachable from other machines${token === undefined ? '' : '; anyone with the token can act'}\n`)
    }
    await aborted(shutdown.signal)
  } finally {
    shutdown.dispose()
    dashboard.close()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    db.close()
  }
  return EXIT_OK
}
