import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HonkerError } from '@honker/core'
import { JOB_LIST_STATES, type DashboardData, type JobListState } from '../data/model.ts'
import { jobView } from '../views/job.ts'
import { page, type Section, type ViewContext } from '../views/layout.ts'
import { overviewView, queueView } from '../views/queues.ts'
import { locksView, schedulesView } from '../views/schedules.ts'
import { channelsView, streamsView } from '../views/streams.ts'
import { ASSETS } from './assets.ts'
import { actionsPossible, allowed, sameSecret, TOKEN_COOKIE, type AccessSettings, type DashboardAction, type CsrfGuard } from './auth.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { html, type SafeHtml } from './escape.ts'
import { HttpError } from './errors.ts'
import type { ChangeHub } from './sse.ts'

/** Action bodies are a few ids at most; anything larger is refused before it is parsed. */
export const MAX_BODY_BYTES = 64 * 1024
const MAX_IDS = 1000

export interface RouteSettings {
  data: DashboardData
  hub: ChangeHub
  access: AccessSettings
  csrf: CsrfGuard
  base: string
  pageSize: number
  /** The header's name for the database. */
  title: string
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
}

/** Paths and the methods each answers; anything else on a known path is 405 with `Allow`. */
const ALLOWED: Record<string, string> = {
  '/': 'GET, HEAD',
  '/queue': 'GET, HEAD',
  '/job': 'GET, HEAD',
  '/streams': 'GET, HEAD',
  '/channels': 'GET, HEAD',
  '/schedules': 'GET, HEAD',
  '/locks': 'GET, HEAD',
  '/events': 'GET',
  '/login': 'GET',
  '/assets/app.css': 'GET, HEAD',
  '/assets/app.js': 'GET, HEAD',
  '/api/dead/retry': 'POST',
  '/api/dead/delete': 'POST',
  '/api/schedules/pause': 'POST',
  '/api/schedules/resume': 'POST',
  '/api/schedules/run': 'POST',
  '/api/queues/pause': 'POST',
  '/api/queues/resume': 'POST',
}

function requireName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1000) {
    throw new HttpError(400, 'bad_request', `${field}: must be a non-empty string of at most 1000 characters`)
  }
  return value
}

function requireId(value: unknown, field: string): number {
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) throw new HttpError(400, 'bad_request', `${field}: must be a positive integer job id`)
  return number
}

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

function errorResponse(error: HttpError, wantsHtml: boolean): Response {
  const headers = { ...SECURITY_HEADERS, ...error.headers }
  if (wantsHtml) {
    const body = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${error.status} · Honker</title></head><body><h1>${error.status}</h1><p>${error.message}</p></body></html>`
    return new Response(body.text, { status: error.status, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } })
  }
  return Response.json({ error: error.code, message: error.message }, { status: error.status, headers })
}

/** A standard fetch handler (Hono's app, without its types in this package's declarations). */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>
}

/** The dashboard's routes, as a Hono app whose `fetch` is the standard handler. */
export function dashboardRoutes(settings: RouteSettings): FetchApp {
  const { data, hub, access, csrf, base, pageSize, title } = settings
  const app = new Hono({
    // Mounted under `base` (full URLs, as most frameworks pass them) or with the prefix already
    // stripped (Hono's app.mount): either way the routes see the path inside the dashboard.
    getPath: (request) => {
      const pathname = new URL(request.url).pathname
      if (base !== '' && (pathname === base || pathname.startsWith(`${base}/`))) return pathname.slice(base.length) || '/'
      return pathname
    },
  })

  const context = async (): Promise<ViewContext> => ({
    base,
    csrf: csrf.token(),
    actions: actionsPossible(access),
    label: title,
    engine: data.engine,
    now: await data.now(),
  })

  const render = (c: Context, view: ViewContext, section: Section, title: string, main: SafeHtml): Response => {
    const fragment = c.req.header('x-honker-fragment') === '1'
    const body = fragment ? main.text : page(view, section, title, main).text
    return new Response(body, { headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', vary: 'x-honker-fragment' } })
  }

  const authorizeRead = async (c: Context): Promise<void> => {
    if (!(await allowed(access, c.req.raw, 'read'))) throw new HttpError(403, 'forbidden', 'not authorized to view the dashboard')
  }

  app.onError((error, c) => {
    const wantsHtml = c.req.method === 'GET' && !c.req.path.startsWith('/api/') && c.req.header('x-honker-fragment') !== '1' && (c.req.header('accept') ?? '').includes('text/html')
    if (error instanceof HttpError) return errorResponse(error, wantsHtml)
    if (error instanceof HonkerError && error.code === 'invalid_argument') return errorResponse(new HttpError(400, 'bad_request', error.message), wantsHtml)
    if (error instanceof HonkerError && error.code === 'closed') return errorResponse(new HttpError(503, 'closed', 'the database is closed'), wantsHtml)
    console.error('honker dashboard:', error)
    return Response.json({ error: 'internal', message: error instanceof Error ? error.message : String(error) }, { status: 500, headers: SECURITY_HEADERS })
  })

  // Methods each path allows, before any route runs.
  app.use('*', async (c, next) => {
    const allow = ALLOWED[c.req.path]
    if (allow === undefined) throw new HttpError(404, 'not_found', `no such page: ${c.req.path}`)
    if (!allow.split(', ').includes(c.req.method)) throw new HttpError(405, 'method_not_allowed', `${c.req.method} is not allowed here (allowed: ${allow})`, { allow })
    await next()
  })

  for (const [name, asset] of Object.entries(ASSETS)) {
    app.get(`/assets/${name}`, (c) => {
      if (c.req.header('if-none-match') === asset.etag) return new Response(null, { status: 304, headers: { etag: asset.etag } })
      return new Response(asset.body, {
        headers: { 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
      })
    })
  }

  app.get('/', async (c) => {
    await authorizeRead(c)
    const view = await context()
    return render(c, view, 'queues', 'Queues', overviewView(view, await data.overview()))
  })

  app.get('/queue', async (c) => {
    await authorizeRead(c)
    const name = requireName(c.req.query('name'), 'name')
    const stateParam = c.req.query('state') ?? 'pending'
    if (!(JOB_LIST_STATES as readonly string[]).includes(stateParam)) {
      throw new HttpError(400, 'bad_request', `state: must be one of ${JOB_LIST_STATES.join(', ')}`)
    }
    const state = stateParam as JobListState
    const afterId = decodeCursor(c.req.query('cursor'), state)
    // A queue is only its jobs: one with none left is unknown to a fresh page (404), but a page
    // already open on it (a live refresh) shows it empty.
    const refreshing = c.req.header('x-honker-fragment') === '1'
    const summary = (await data.queueSummary(name)) ?? (refreshing ? await data.emptySummary(name) : null)
    if (summary === null) throw new HttpError(404, 'unknown_queue', `no queue named ${JSON.stringify(name)} has jobs, dead letters or settings`)
    const jobs = await data.jobs(name, state, afterId, pageSize + 1)
    const more = jobs.length > pageSize
    const shown = more ? jobs.slice(0, pageSize) : jobs
    const view = await context()
    return render(c, view, 'queues', `Queue ${name}`, queueView(view, {
      summary,
      state,
      jobs: shown,
      next: more ? encodeCursor(state, shown.at(-1)!.id) : null,
      paged: afterId > 0,
    }))
  })

  app.get('/job', async (c) => {
    await authorizeRead(c)
    const queue = requireName(c.req.query('queue'), 'queue')
    const id = requireId(c.req.query('id'), 'id')
    const detail = await data.job(queue, id)
    if (detail === null) throw new HttpError(404, 'unknown_job', `no job ${id} in queue ${JSON.stringify(queue)} (finished jobs leave no trace unless history is kept)`)
    const view = await context()
    return render(c, view, 'queues', `Job #${id}`, jobView(view, detail))
  })

  app.get('/streams', async (c) => {
    await authorizeRead(c)
    const view = await context()
    return render(c, view, 'streams', 'Streams', streamsView(view, await data.streams()))
  })

  app.get('/channels', async (c) => {
    await authorizeRead(c)
    const view = await context()
    return render(c, view, 'channels', 'Channels', channelsView(view, await data.channels()))
  })

  app.get('/schedules', async (c) => {
    await authorizeRead(c)
    const view = await context()
    return render(c, view, 'schedules', 'Schedules', schedulesView(view, await data.schedules()))
  })

  app.get('/locks', async (c) => {
    await authorizeRead(c)
    const view = await context()
    return render(c, view, 'locks', 'Locks', locksView(view, await data.locks(), await data.rateLimits()))
  })

  app.get('/events', async (c) => {
    await authorizeRead(c)
    return hub.stream(c.req.raw.signal)
  })

  // `/login?token=…`: the link `honker dashboard --token` prints. It stores the token in an
  // HttpOnly, SameSite=Strict cookie (checked on every action) and goes to the overview.
  app.get('/login', (c) => {
    const token = c.req.query('token')
    if (access.token === undefined) throw new HttpError(404, 'not_found', 'this dashboard has no token: actions are authorized by the app')
    if (token === undefined || token === '') throw new HttpError(400, 'bad_request', 'token: missing')
    if (!sameSecret(token, access.token)) throw new HttpError(403, 'forbidden', 'wrong token')
    const secure = new URL(c.req.url).protocol === 'https:' ? '; Secure' : ''
    return new Response(null, {
      status: 303,
      headers: {
        location: `${base}/`,
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=${base || '/'}; HttpOnly; SameSite=Strict${secure}`,
        'cache-control': 'no-store',
      },
    })
  })

  // Actions: size limit, cross-site checks, authorization, then the body.
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

  return app
}
