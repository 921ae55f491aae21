import { html, type SafeHtml } from '../http/escape.ts'

export type Section = 'queues' | 'streams' | 'channels' | 'schedules' | 'locks'

/** What every view needs besides its data. */
export interface ViewContext {
  /** Where the dashboard is mounted: '' or '/admin/honker'. */
  base: string
  csrf: string
  /** Whether the pages show action buttons (an authorize hook or a token is configured). */
  actions: boolean
  label: string
  engine: 'sqlite' | 'postgres'
  now: number
}

const SECTIONS: readonly [Section, string, string][] = [
  ['queues', 'Queues', '/'],
  ['streams', 'Streams', '/streams'],
  ['channels', 'Channels', '/channels'],
  ['schedules', 'Schedules', '/schedules'],
  ['locks', 'Locks & rate limits', '/locks'],
]

/** A link inside the dashboard, with query parameters (escaped when the view interpolates it). */
export function link(context: ViewContext, path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value))
  const search = params.toString()
  return `${context.base}${path}${search === '' ? '' : `?${search}`}`
}

/**
 * An action button: the page's script POSTs `body` as JSON to `path` with the CSRF header. Shown
 * only when actions are possible; the server checks authorization again on every POST.
 */
export function actionButton(context: ViewContext, label: string, path: string, body: unknown, confirm?: string): SafeHtml {
  if (!context.actions) return html``
  return html`<button type="button" class="action" data-action="${path}" data-body="${JSON.stringify(body)}" data-confirm="${confirm ?? ''}">${label}</button>`
}

export function page(context: ViewContext, section: Section, title: string, main: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en" data-base="${context.base}" data-csrf="${context.csrf}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Honker</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${context.base}/assets/app.css">
<script src="${context.base}/assets/app.js" defer></script>
</head>
<body>
<header>
<a class="brand" href="${link(context, '/')}">Honker</a>
<nav>${SECTIONS.map(([key, name, path]) => html`<a href="${link(context, path)}"${key === section ? html` aria-current="page"` : html``}>${name}</a>`)}</nav>
<span class="engine" title="${context.engine}">${context.label}</span>
<span id="live" class="live">connecting…</span>
<span class="mode">${context.actions ? 'actions enabled' : 'read-only'}</span>
</header>
<div id="flash" role="status" aria-live="polite"></div>
<main>${main}</main>
</body>
</html>`
}
