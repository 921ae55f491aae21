import type { DashboardJob, FinishedJob, JobDetail, JobEvent } from '../data/model.ts'
import { html, type SafeHtml } from '../http/escape.ts'
import { iso, prettyJson, relative } from '../http/format.ts'
import { actionButton, link, type ViewContext } from './layout.ts'

function time(context: ViewContext, at: number | null): SafeHtml {
  return at === null ? html`<span class="muted">–</span>` : html`<time datetime="${iso(at)}" title="${iso(at)}">${relative(at, context.now)}</time>`
}

function jsonBlock(value: unknown, className = 'json'): SafeHtml {
  const text = typeof value === 'string' ? prettyJson(value) : (JSON.stringify(value, null, 2) ?? String(value))
  return html`<pre class="${className}">${text}</pre>`
}

function eventsBlock(context: ViewContext, events: JobEvent[]): SafeHtml {
  if (events.length === 0) return html``
  return html`<h2>History</h2>
<table class="events"><thead><tr><th>When</th><th>Event</th><th>Data</th></tr></thead><tbody>${events.map(
    (event) => html`<tr><td>${time(context, event.at)}</td><td>${event.kind}</td><td><code>${event.dataText ?? ''}</code></td></tr>`,
  )}</tbody></table>`
}

function liveFields(context: ViewContext, job: DashboardJob): SafeHtml {
  return html`<dl class="fields">
<dt>Priority</dt><dd>${job.priority}</dd>
<dt>Attempts</dt><dd>${job.attempts} of ${job.maxAttempts}</dd>
<dt>Created</dt><dd>${time(context, job.createdAt)}</dd>
<dt>Run at</dt><dd>${time(context, job.runAt)}</dd>
${job.workerId !== null ? html`<dt>Worker</dt><dd>${job.workerId}</dd>` : html``}
${job.claimExpiresAt !== null ? html`<dt>Claim expires</dt><dd>${time(context, job.claimExpiresAt)}</dd>` : html``}
${job.expiresAt !== null ? html`<dt>Expires</dt><dd>${time(context, job.expiresAt)}</dd>` : html``}
${job.diedAt !== null ? html`<dt>Died</dt><dd>${time(context, job.diedAt)}</dd>` : html``}
${job.finishedAt !== undefined ? html`<dt>Finished</dt><dd>${time(context, job.finishedAt)}</dd>` : html``}
${job.uniqueKey !== undefined && job.uniqueKey !== null ? html`<dt>Unique key</dt><dd>${job.uniqueKey}</dd>` : html``}
${job.group !== undefined && job.group !== null ? html`<dt>Group</dt><dd>${job.group}</dd>` : html``}
</dl>`
}

function finishedFields(context: ViewContext, job: FinishedJob): SafeHtml {
  return html`<dl class="fields">
<dt>Priority</dt><dd>${job.priority}</dd>
<dt>Attempts</dt><dd>${job.attempts} of ${job.maxAttempts}</dd>
<dt>Created</dt><dd>${time(context, job.createdAt)}</dd>
<dt>Run at</dt><dd>${time(context, job.runAt)}</dd>
<dt>Finished</dt><dd>${time(context, job.finishedAt)}</dd>
</dl>`
}

export function jobView(context: ViewContext, detail: JobDetail): SafeHtml {
  const { job, finished } = detail
  const id = job?.id ?? finished!.id
  const queue = job?.queue ?? finished!.queue
  const state = job?.state ?? finished!.state
  const payloadText = job?.payloadText ?? finished!.payloadText
  const lastError = job?.lastError ?? finished?.lastError ?? null
  const progress = job?.progress ?? detail.progressText ?? finished?.progressText ?? null
  const result: { found: boolean; value?: unknown } = detail.result.found
    ? detail.result
    : job?.result !== undefined && job.result !== null
      ? { found: true, value: job.result }
      : finished?.resultText != null
        ? { found: true, value: finished.resultText }
        : { found: false }
  return html`<h1>Job #${id} <span class="state state-${state}">${state}</span></h1>
<p class="meta">Queue <a href="${link(context, '/queue', { name: queue, state: state === 'dead' ? 'dead' : undefined })}">${queue}</a></p>
${state === 'dead' ? html`<p class="bulk">${actionButton(context, 'Retry', '/api/dead/retry', { queue, ids: [id] })}${actionButton(context, 'Delete', '/api/dead/delete', { queue, ids: [id] })}</p>` : html``}
${job !== null ? liveFields(context, job) : finishedFields(context, finished!)}
<h2>Payload</h2>
${jsonBlock(payloadText)}
${lastError !== null ? html`<h2>Last error</h2><pre class="error">${lastError}</pre>` : html``}
${progress !== null ? html`<h2>Progress</h2>${jsonBlock(progress)}` : html``}
${result.found ? html`<h2>Result</h2>${jsonBlock(result.value)}` : html``}
${eventsBlock(context, detail.events)}`
}
