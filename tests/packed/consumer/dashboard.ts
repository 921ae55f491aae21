// @honker/dashboard: the fetch handler on a SQLite database, mounted on node:http, with an
// authorize hook; and on PostgreSQL with the app's pool (typed structurally, as in postgres.ts).
import { createServer } from 'node:http'
import { open } from '@honker/core'
import { open as openPostgres, type PgPool } from '@honker/postgres'
import { createDashboard, escapeHtml, toNodeListener, type Authorize, type Dashboard, type DashboardAction } from '@honker/dashboard'

declare const pool: PgPool

export async function run(): Promise<void> {
  const authorize: Authorize = (request: Request, action: DashboardAction) => action === 'read' || request.headers.get('x-admin') === 'yes'
  const dashboard: Dashboard = createDashboard({ db: open('app.db'), basePath: '/admin/honker', authorize })
  const response: Response = await dashboard(new Request('http://127.0.0.1/admin/honker/'))
  createServer(toNodeListener(dashboard)).listen(4000, '127.0.0.1')
  const onPostgres = createDashboard({ db: await openPostgres({ postgres: pool }), postgres: pool, token: 'a-long-secret' })
  console.log(response.status, escapeHtml('<b>'), await (await onPostgres.fetch(new Request('http://127.0.0.1/'))).text())
  dashboard.close()
  onPostgres.close()
}
