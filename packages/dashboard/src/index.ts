/**
 * @module @honker/dashboard
 *
 * A web dashboard for Honker's queues, jobs, dead letters, streams, notification channels,
 * schedules, locks and rate limits, on SQLite (`@honker/core`) or PostgreSQL (`@honker/postgres`):
 * a standard fetch handler, live over Server-Sent Events woken by commits, read-only unless an
 * `authorize` hook or a token allows actions.
 */
export { createDashboard, type Dashboard, type DashboardOptions } from './dashboard.ts'
export type { Authorize, DashboardAction } from './http/auth.ts'
export { toNodeListener } from './node.ts'
export { escapeHtml } from './http/escape.ts'
export { APP_CSS, APP_JS } from './http/assets.ts'
export { MAX_BODY_BYTES } from './http/limits.ts'
