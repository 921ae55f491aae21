import { THROUGHPUT_MINUTES, type DashboardJob, type JobListState, type Overview, type QueueSummary } from '../data/model.ts'
import { html, type SafeHtml } from '../http/escape.ts'
import { count, duration, integer, iso, relative } from '../http/format.ts'
import { actionButton, link, type ViewContext } from './layout.ts'

function sparkline(perMinute: number[]): SafeHtml {
  const max = Math.max(1, ...perMinute)
  const width = perMinute.length * 6
  return html`<svg class="spark" width="${width}" height="20" viewBox="0 0 ${width} 20" role="img" aria-label="jobs finished per minute, last ${perMinute.length} minutes">${perMinute.map(
    (value, index) => html`<rect x="${index * 6}" y="${20 - Math.max(1, Math.round((value / max) * 20))}" width="5" height="${Math.max(1, Math.round((value / max) * 20))}"><title>${value}/min</title></rect>`,
  )}</svg>`
}

function throughput(summary: QueueSummary): SafeHtml {
  if (summary.throughput === null) return html`<span class="muted" title="counted from job history: keep completed jobs on this queue to see it">–</span>`
  const last = summary.throughput.at(-1) ?? 0
  const total = summary.throughput.reduce((a, b) => a + b, 0)
  return html`${sparkline(summary.throughput)} <span title="${integer(total)} in the last ${THROUGHPUT_MINUTES} minutes">${integer(last)}/min</span>`
}

export function overviewView(context: ViewContext, overview: Overview): SafeHtml {
  if (overview.queues.length === 0) return html`<h1>Queues</h1><p class="empty">No queues yet: enqueue a job and it shows up here.</p>`
  return html`<h1>Queues</h1>
<table class="queues">
<thead><tr><th>Queue</th><th class="n">Pending</th><th class="n">Delayed</th><th class="n">Processing</th><th class="n">Dead</th><th>Oldest pending</th><th>Throughput</th></tr></thead>
<tbody>${overview.queues.map(
    (q) => html`<tr data-queue="${q.queue}">
<td><a href="${link(context, '/queue', { name: q.queue })}">${q.queue}</a>${q.paused ? html` <span class="badge">paused</span>` : html``}</td>
<td class="n" data-count="pending">${count(q.pending)}</td>
<td class="n" data-count="delayed">${count(q.delayed)}</td>
<td class="n" data-count="processing">${count(q.processing)}</td>
<td class="n${q.dead.value > 0 ? ' bad' : ''}" data-count="dead"><a href="${link(context, '/queue', { name: q.queue, state: 'dead' })}">${count(q.dead)}</a></td>
<td>${q.oldestPendingS === null ? html`<span class="muted">–</span>` : duration(q.oldestPendingS)}</td>
<td>${throughput(q)}</td>
</tr>`,
  )}</tbody>
</table>`
}

export interface QueuePage {
  summary: QueueSummary
  state: JobListState
  jobs: DashboardJob[]
  /** The cursor of the next page, or null on the last. */
  next: string | null
  /** Whether this is a later page (a link back to the first is shown). */
  paged: boolean
}

function jobRow(context: ViewContext, job: DashboardJob, state: JobListState): SafeHtml {
  const progress = job.progress === undefined || job.progress === null ? '' : typeof job.progress === 'string' ? job.progress : JSON.stringify(job.progress)
  return html`<tr data-job="${job.id}">
<td><a href="${link(context, '/job', { queue: job.queue, id: job.id })}">#${job.id}</a></td>
<td class="payload"><code>${job.payloadText.length > 120 ? `${job.payloadText.slice(0, 120)}…` : job.payloadText}</code></td>
<td class="n">${job.priority}</td>
<td class="n">${job.attempts}/${job.maxAttempts}</td>
<td title="${iso(job.runAt)}">${relative(job.runAt, context.now)}</td>
${state === 'processing' ? html`<td>${job.workerId ?? ''}</td><td>${job.claimExpiresAt === null ? '' : relative(job.claimExpiresAt, context.now)}</td><td>${progress}</td>` : html``}
${state === 'dead' ? html`<td class="error"><code>${(job.lastError ?? '').slice(0, 160)}</code></td><td>${job.diedAt === null ? '' : relative(job.diedAt, context.now)}</td>
<td class="actions">${actionButton(context, 'Retry', '/api/dead/retry', { queue: job.queue, ids: [job.id] })}${actionButton(context, 'Delete', '/api/dead/delete', { queue: job.queue, ids: [job.id] })}</td>` : html``}
${state === 'completed' ? html`<td>${job.finishedAt === undefined ? '' : relative(job.finishedAt, context.now)}</td>` : html``}
</tr>`
}

export function queueView(context: ViewContext, page: QueuePage): SafeHtml {
  const { summary, state } = page
  const states: JobListState[] = ['pending', 'delayed', 'processing', 'dead']
  if (summary.completed !== null) states.push('completed')
  const tabs = states.map((key) => {
    const value = summary[key]
    return html`<a class="tab" data-state="${key}" href="${link(context, '/queue', { name: summary.queue, state: key })}"${key === state ? html` aria-current="page"` : html``}>${key} <b data-count="${key}">${value === null ? '' : count(value)}</b></a>`
  })
  const head = html`<th>Job</th><th>Payload</th><th class="n">Priority</th><th class="n">Attempts</th><th>Run at</th>${
    state === 'processing' ? html`<th>Worker</th><th>Claim expires</th><th>Progress</th>` : html``
  }${state === 'dead' ? html`<th>Last error</th><th>Died</th><th></th>` : html``}${state === 'completed' ? html`<th>Finished</th>` : html``}`
  const bulk =
    state === 'dead' && summary.dead.value > 0
      ? html`<p class="bulk">${actionButton(context, 'Retry all dead jobs', '/api/dead/retry', { queue: summary.queue, all: true }, `Retry every dead job of ${summary.queue}?`)}${actionButton(
          context,
          'Delete all dead jobs',
          '/api/dead/delete',
          { queue: summary.queue, all: true },
          `Delete every dead job of ${summary.queue}? This cannot be undone.`,
        )}</p>`
      : html``
  return html`<h1>Queue <span class="name">${summary.queue}</span>${summary.paused ? html` <span class="badge">paused</span>` : html``}</h1>
<p class="meta">Oldest pending: ${summary.oldestPendingS === null ? '–' : duration(summary.oldestPendingS)}${
    summary.concurrency === null ? '' : ` · at most ${summary.concurrency} processing`
  }${summary.groupConcurrency === null ? '' : ` · at most ${summary.groupConcurrency} per group`} ${
    summary.paused
      ? actionButton(context, 'Resume queue', '/api/queues/resume', { queue: summary.queue })
      : actionButton(context, 'Pause queue', '/api/queues/pause', { queue: summary.queue }, `Pause ${summary.queue}? No process claims its jobs until it is resumed.`)
  }</p>
<nav class="tabs">${tabs}</nav>
${bulk}
${
  page.jobs.length === 0
    ? html`<p class="empty">No ${state} jobs${page.paged ? ' on this page' : ''}.</p>`
    : html`<table class="jobs"><thead><tr>${head}</tr></thead><tbody>${page.jobs.map((job) => jobRow(context, job, state))}</tbody></table>`
}
<p class="pager">${page.paged ? html`<a href="${link(context, '/queue', { name: summary.queue, state })}">« first page</a> ` : html``}${
    page.next === null ? html`` : html`<a rel="next" href="${link(context, '/queue', { name: summary.queue, state, cursor: page.next })}">next page »</a>`
  }</p>`
}
