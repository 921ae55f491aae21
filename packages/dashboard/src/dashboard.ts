import { InvalidArgumentError, type Database } from '@honker/core'
import type { PgDatabase, PgPool } from '@honker/postgres'
import type { DashboardData } from './data/model.ts'
import { postgresData } from './data/postgres-data.ts'
import { sqliteData } from './data/sqlite-data.ts'
import { CsrfGuard, type Authorize } from './http/auth.ts'
import { dashboardRoutes } from './http/routes.ts'
import { ChangeHub } from './http/sse.ts'

export interface DashboardOptions {
  /** A database from `@honker/core`'s `open()`, or from `@honker/postgres`'s `open()`. */
  db: Database | PgDatabase
  /** With a PostgreSQL `db`: the pool it was opened with (listings and the LISTEN connection). */
  postgres?: PgPool
  /** Where the dashboard is mounted, such as '/admin/honker'. Default '' (the root). */
  basePath?: string
  /**
   * Who may do what. Called with 'read' for every page and with the action's name for every
   * POST; return true to allow. Without it (and without `token`) the dashboard is read-only.
   */
  authorize?: Authorize
  /** A shared secret that allows actions: sent as `Authorization: Bearer …` or set by `/login?token=…`. */
  token?: string
  /** Origins besides the request's own host that may POST (a proxy that rewrites Host). */
  trustedOrigins?: string[]
  /** Jobs per page. Default 50. */
  pageSize?: number
  /** What the header names the database by. Default: the file's path, or the PostgreSQL schema. */
  title?: string
}

/** A standard fetch handler, plus `close()` to end its live streams and stop watching commits. */
export interface Dashboard {
  (request: Request): Promise<Response>
  readonly fetch: (request: Request) => Promise<Response>
  close(): void
}

function dataOf(options: DashboardOptions): DashboardData {
  const db = options.db as unknown as Record<string, unknown>
  if (typeof db !== 'object' || db === null) throw new InvalidArgumentError('db', 'must be a database from open() of @honker/core or @honker/postgres')
  if (typeof db.subscribe === 'function' && typeof db.path === 'string') {
    if (options.postgres !== undefined) throw new InvalidArgumentError('postgres', 'is only for a PostgreSQL db')
    return sqliteData(options.db as Database)
  }
  if (typeof db.schema === 'string' && typeof db.now === 'function') {
    const pool = options.postgres
    if (pool === undefined || typeof pool !== 'object' || pool === null || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
      throw new InvalidArgumentError('postgres', 'must be the pg Pool the PostgreSQL db was opened with')
    }
    return postgresData(options.db as PgDatabase, pool)
  }
  throw new InvalidArgumentError('db', 'must be a database from open() of @honker/core or @honker/postgres')
}

function basePathOf(value: unknown): string {
  if (value === undefined || value === '' || value === '/') return ''
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+\/?$/.test(value)) {
    throw new InvalidArgumentError('basePath', `must be a path such as '/admin/honker', got ${JSON.stringify(value)}`)
  }
  return value.replace(/\/+$/, '')
}

/**
 * The dashboard as a standard fetch handler, `(request) => Promise<Response>`, to mount in Hono,
 * Express, Fastify, Next.js route handlers, `Bun.serve` or `node:http` (see docs/dashboard.md).
 *
 * ```ts
 * import { open } from '@honker/core'
 * import { createDashboard, toNodeListener } from '@honker/dashboard'
 * const dashboard = createDashboard({ db: open('app.db'), basePath: '/honker' })
 * http.createServer(toNodeListener(dashboard)).listen(4000, '127.0.0.1')
 * ```
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object with db')
  const data = dataOf(options)
  const base = basePathOf(options.basePath)
  if (options.authorize !== undefined && typeof options.authorize !== 'function') throw new InvalidArgumentError('authorize', 'must be a function (request, action) => boolean')
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 8)) {
    throw new InvalidArgumentError('token', 'must be a string of at least 8 characters')
  }
  if (options.trustedOrigins !== undefined && (!Array.isArray(options.trustedOrigins) || options.trustedOrigins.some((origin) => typeof origin !== 'string'))) {
    throw new InvalidArgumentError('trustedOrigins', 'must be an array of origins such as https://admin.example.com')
  }
  const pageSize = options.pageSize ?? 50
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new InvalidArgumentError('pageSize', 'must be an integer from 1 to 1000')

  if (options.title !== undefined && (typeof options.title !== 'string' || options.title.length > 200)) {
    throw new InvalidArgumentError('title', 'must be a string of at most 200 characters')
  }
  const hub = new ChangeHub(data)
  const app = dashboardRoutes({
    data,
    hub,
    access: { authorize: options.authorize, token: options.token },
    csrf: new CsrfGuard(options.trustedOrigins),
    base,
    pageSize,
    title: options.title ?? data.label,
  })
  const fetch = async (request: Request): Promise<Response> => app.fetch(request)
  return Object.assign(fetch, { fetch, close: () => hub.close() })
}
