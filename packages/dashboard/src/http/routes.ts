import { Hono, type Context } from 'hono'
import { HonkerError } from '@honker/core'
import { prometheusText, PROMETHEUS_CONTENT_TYPE } from '@honker/core/engine'
import { JOB_LIST_STATES, type DashboardData, type JobListState } from '../data/model.ts'
import { jobView } from '../views/job.ts'
import { page, type Section, type ViewContext } from '../views/layout.ts'
import { overviewView, queueView } from '../views/queues.ts'
import { locksView, schedulesView } from '../views/schedules.ts'
import { channelsView, streamsView } from '../views/streams.ts'
import { registerActions } from './actions.ts'
import { ASSETS } from './assets.ts'
import { actionsPossible, allowed, sameSecret, TOKEN_COOKIE, type AccessSettings, type CsrfGuard } from './auth.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import type { SafeHtml } from './escape.ts'
import { HttpError } from './errors.ts'
import { requireId, requireName } from './params.ts'
import { errorResponse, SECURITY_HEADERS } from './responses.ts'
import type { ChangeHub } from './sse.ts'

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
  '/metrics': 'GET, HEAD',
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

  // Prometheus text of every queue's depth (the overview's counts, capped like the pages' at
  // COUNT_CAP), behind the same read permission as the pages.
  app.get('/metrics', async (c) => {
    await authorizeRead(c)
    const { queues } = await data.overview()
    const text = prometheusText(
      queues.map((q) => ({
        queue: q.queue,
        pending: q.pending.value,
        delayed: q.delayed.value,
        processing: q.processing.value,
        dead: q.dead.value,
        oldestPendingS: q.oldestPendingS,
      })),
    )
    return new Response(text, { headers: { ...SECURITY_HEADERS, 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } })
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

  registerActions(app, { data, access, csrf })
  return app
}
