import type { JobDetail } from '../data/model.ts'
import { html, type SafeHtml } from '../http/escape.ts'
import { iso, prettyJson, relative } from '../http/format.ts'
import { actionButton, link, type ViewContext } from './layout.ts'

function time(context: ViewContext, at: number | null): SafeHtml {
  return at === null ? html`<span class="muted">–</span>` : html`<time datetime="${iso(at)}" title="${iso(at)}">${relative(at, context.now)}</time>`
}

function jsonBlock(value: unknown): SafeHtml {
  const text = typeof value === 'string' ? prettyJson(value) : JSON.stringify(value, null, 2) ?? String(value)
  return html`<pre class="json">${text}</pre>`
}

export function jobView(context: ViewContext, detail: JobDetail): SafeHtml {
  const { job } = detail
  const progress = job.progress ?? (detail.progressText === null ? undefined : detail.progressText)
  return html`<h1>Job #${job.id} <span class="state state-${job.state}">${job.state}</span></h1>
<p class="meta">Queue <a href="${link(context, '/queue', { name: job.queue, state: job.state === 'dead' ? 'dead' : undefined })}">${job.queue}</a></p>
${job.state === 'dead' ? html`<p class="bulk">${actionButton(context, 'Retry', '/api/dead/retry', { queue: job.queue, ids: [job.id] })}${actionButton(context, 'Delete', '/api/dead/delete', { queue: job.queue, ids: [job.id] })}</p>` : html``}
<dl class="fields">
<dt>Priority</dt><dd>${job.priority}</dd>
<dt>Attempts</dt><dd>${job.attempts} of ${job.maxAttempts}</dd>
<dt>Created</dt><dd>${time(context, job.createdAt)}</dd>
<dt>Run at</dt><dd>${time(context, job.runAt)}</dd>
${job.workerId !== null ? html`<dt>Worker</dt><dd>${job.workerId}</dd>` : html``}
${job.claimExpiresAt !== null ? html`<dt>Claim expires</dt><dd>${time(context, job.claimExpiresAt)}</dd>` : html``}
${job.expiresAt !== null ? html`<dt>Expires</dt><dd>${time(context, job.expiresAt)}</dd>` : html``}
${job.diedAt !== null ? html`<dt>Died</dt><dd>${time(context, job.diedAt)}</dd>` : html``}
${job.uniqueKey !== undefined && job.uniqueKey !== null ? html`<dt>Unique key</dt><dd>${job.uniqueKey}</dd>` : html``}
${job.group !== undefined && job.group !== null ? html`<dt>Group</dt><dd>${job.group}</dd>` : html``}
</dl>
<h2>Payload</h2>
${jsonBlock(job.payloadText)}
${job.lastError !== null ? html`<h2>Last error</h2><pre class="error">${job.lastError}</pre>` : html``}
${progress !== undefined && progress !== null ? html`<h2>Progress</h2>${jsonBlock(progress)}` : html``}
${detail.result.found ? html`<h2>Result</h2>${jsonBlock(detail.result.value)}` : html``}`
}
