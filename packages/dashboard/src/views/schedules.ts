import type { LockSummary, RateLimitSummary, ScheduleSummary } from '../data/model.ts'
import { html, type SafeHtml } from '../http/escape.ts'
import { integer, iso, relative } from '../http/format.ts'
import { actionButton, link, type ViewContext } from './layout.ts'

export function schedulesView(context: ViewContext, schedules: ScheduleSummary[]): SafeHtml {
  if (schedules.length === 0) return html`<h1>Schedules</h1><p class="empty">No schedules registered.</p>`
  return html`<h1>Schedules</h1>
<table class="schedules"><thead><tr><th>Name</th><th>Queue</th><th>Schedule</th><th>Next fire</th><th>State</th><th></th></tr></thead>
<tbody>${schedules.map(
    (task) => html`<tr data-schedule="${task.name}">
<td>${task.name}</td><td><a href="${link(context, '/queue', { name: task.queue })}">${task.queue}</a></td><td><code>${task.schedule}</code></td>
<td title="${iso(task.nextFireAt)}">${relative(task.nextFireAt, context.now)}</td>
<td>${task.paused ? html`<span class="badge">paused</span>` : 'active'}</td>
<td class="actions">${
      task.paused
        ? actionButton(context, 'Resume', '/api/schedules/resume', { name: task.name })
        : actionButton(context, 'Pause', '/api/schedules/pause', { name: task.name })
    }${actionButton(context, 'Run now', '/api/schedules/run', { name: task.name })}</td></tr>`,
  )}</tbody></table>`
}

export function locksView(context: ViewContext, locks: LockSummary[], limits: RateLimitSummary[]): SafeHtml {
  return html`<h1>Locks</h1>
${
  locks.length === 0
    ? html`<p class="empty">No locks held.</p>`
    : html`<table class="locks"><thead><tr><th>Name</th><th>Owner</th><th>Expires</th></tr></thead><tbody>${locks.map(
        (lock) => html`<tr data-lock="${lock.name}"><td>${lock.name}</td><td>${lock.owner}</td><td title="${iso(lock.expiresAt)}" class="${lock.expiresAt <= context.now ? 'muted' : ''}">${relative(lock.expiresAt, context.now)}</td></tr>`,
      )}</tbody></table>`
}
<h2>Rate limits</h2>
${
  limits.length === 0
    ? html`<p class="empty">No rate-limit windows recorded.</p>`
    : html`<table class="limits"><thead><tr><th>Name</th><th>Window start</th><th class="n">Count</th></tr></thead><tbody>${limits.map(
        (limit) => html`<tr data-limit="${limit.name}"><td>${limit.name}</td><td title="${iso(limit.windowStart)}">${relative(limit.windowStart, context.now)}</td><td class="n">${integer(limit.count)}</td></tr>`,
      )}</tbody></table>`
}`
}
