import type { Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { DashboardData } from '../data/model.ts'
import { actionsPossible, allowed, type AccessSettings, type CsrfGuard, type DashboardAction } from './auth.ts'
import { HttpError } from './errors.ts'
import { requireId, requireName } from './params.ts'
import { errorResponse, SECURITY_HEADERS } from './responses.ts'
import { MAX_BODY_BYTES } from './limits.ts'

const MAX_IDS = 1000

/** The JSON object an action POSTs; refuses other content types and text that is not a JSON object. */
async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new HttpError(415, 'unsupported_media_type', 'actions take a JSON body (Content-Type: application/json)')
  const text = await c.req.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new HttpError(400, 'bad_json', 'the request body is not valid JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'bad_json', 'the request body must be a JSON object')
  return body as Record<string, unknown>
}

/** `{ ids: [1, 2] }` or `{ all: true }`. */
function idsOrAll(body: Record<string, unknown>): number[] | 'all' {
  if (body.all === true) {
    if (body.ids !== undefined) throw new HttpError(400, 'bad_request', 'send either ids or all: true, not both')
    return 'all'
  }
  if (!Array.isArray(body.ids) || body.ids.length === 0 || body.ids.length > MAX_IDS) {
    throw new HttpError(400, 'bad_request', `ids: must be an array of 1 to ${MAX_IDS} job ids (or send all: true)`)
  }
  return body.ids.map((id, index) => requireId(id, `ids[${index}]`))
}

export interface ActionSettings {
  data: DashboardData
  access: AccessSettings
  csrf: CsrfGuard
}

/**
 * The POST actions, each behind the same gates in order: the body size limit, the cross-site
 * checks, authorization, then a JSON body. Nothing runs (or changes) unless all pass.
 */
export function registerActions(app: Hono, settings: ActionSettings): void {
  const { data, access, csrf } = settings
  const action = (path: string, name: DashboardAction, run: (body: Record<string, unknown>) => Promise<{ status?: 404; message: string; [key: string]: unknown }>) => {
    app.post(
      path,
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => errorResponse(new HttpError(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`), false),
      }),
      async (c) => {
        const crossSite = csrf.check(c.req.raw)
        if (crossSite !== null) throw new HttpError(403, 'cross_site', crossSite)
        if (!(await allowed(access, c.req.raw, name))) {
          throw new HttpError(403, 'forbidden', actionsPossible(access) ? `not authorized to ${name}` : 'the dashboard is read-only: start it with --token or an authorize hook to allow actions')
        }
        const result = await run(await jsonBody(c))
        if (result.status === 404) throw new HttpError(404, 'not_found', result.message)
        return Response.json({ ok: true, ...result }, { headers: SECURITY_HEADERS })
      },
    )
  }

  action('/api/dead/retry', 'dead.retry', async (body) => {
    const queue = requireName(body.queue, 'queue')
    const ids = await data.retryDead(queue, idsOrAll(body))
    return { ids, message: ids.length === 0 ? 'no dead job was retried (already gone?)' : `retried ${ids.length} job${ids.length === 1 ? '' : 's'} of ${queue}` }
  })

  action('/api/dead/delete', 'dead.delete', async (body) => {
    const queue = requireName(body.queue, 'queue')
    const ids = await data.deleteDead(queue, idsOrAll(body))
    return { ids, message: ids.length === 0 ? 'no dead job was deleted (already gone?)' : `deleted ${ids.length} dead job${ids.length === 1 ? '' : 's'} of ${queue}` }
  })

  action('/api/queues/pause', 'queue.pause', async (body) => {
    const queue = requireName(body.queue, 'queue')
    if (!(await data.pauseQueue(queue))) throw new HttpError(400, 'unsupported', 'this version of Honker cannot pause queues')
    return { message: `paused ${queue}: no claims in any process until it is resumed` }
  })

  action('/api/queues/resume', 'queue.resume', async (body) => {
    const queue = requireName(body.queue, 'queue')
    if (!(await data.resumeQueue(queue))) throw new HttpError(400, 'unsupported', 'this version of Honker cannot pause queues')
    return { message: `resumed ${queue}` }
  })

  action('/api/schedules/pause', 'schedule.pause', async (body) => {
    const name = requireName(body.name, 'name')
    return (await data.pauseSchedule(name)) ? { message: `paused ${name}` } : { status: 404, message: `no schedule named ${JSON.stringify(name)}` }
  })

  action('/api/schedules/resume', 'schedule.resume', async (body) => {
    const name = requireName(body.name, 'name')
    return (await data.resumeSchedule(name)) ? { message: `resumed ${name}` } : { status: 404, message: `no schedule named ${JSON.stringify(name)}` }
  })

  action('/api/schedules/run', 'schedule.run', async (body) => {
    const name = requireName(body.name, 'name')
    const id = await data.runSchedule(name)
    return id === null ? { status: 404, message: `no schedule named ${JSON.stringify(name)}` } : { id, message: `enqueued job ${id} from ${name}` }
  })
}
