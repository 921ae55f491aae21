import type { IncomingMessage, ServerResponse } from 'node:http'
import { getRequestListener } from '@hono/node-server'

/**
 * A `node:http` request listener (also Express and Connect middleware) for a fetch handler such
 * as the dashboard, by `@hono/node-server`:
 * `http.createServer(toNodeListener(dashboard)).listen(4000, '127.0.0.1')`.
 */
export function toNodeListener(handler: (request: Request) => Promise<Response>): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return getRequestListener(handler) as (request: IncomingMessage, response: ServerResponse) => Promise<void>
}
