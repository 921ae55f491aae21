import type { ChannelSummary, StreamSummary } from '../data/model.ts'
import { html, type SafeHtml } from '../http/escape.ts'
import { count, integer, iso, relative } from '../http/format.ts'
import type { ViewContext } from './layout.ts'

export function streamsView(_context: ViewContext, streams: StreamSummary[]): SafeHtml {
  if (streams.length === 0) return html`<h1>Streams</h1><p class="empty">No stream events or consumers yet.</p>`
  return html`<h1>Streams</h1>
<table class="streams"><thead><tr><th>Topic</th><th class="n">Last offset</th><th>Consumer</th><th class="n">Offset</th><th class="n">Lag</th></tr></thead>
<tbody>${streams.map((stream) =>
    stream.consumers.length === 0
      ? html`<tr data-topic="${stream.topic}"><td>${stream.topic}</td><td class="n">${integer(stream.lastOffset)}</td><td class="muted">no consumers</td><td></td><td></td></tr>`
      : stream.consumers.map(
          (consumer, index) => html`<tr data-topic="${stream.topic}" data-consumer="${consumer.consumer}">
<td>${index === 0 ? stream.topic : ''}</td><td class="n">${index === 0 ? integer(stream.lastOffset) : ''}</td>
<td>${consumer.consumer}</td><td class="n">${integer(consumer.offset)}</td><td class="n${consumer.lag.value > 0 ? ' warn' : ''}" data-count="lag">${count(consumer.lag)}</td></tr>`,
        ),
  )}</tbody></table>`
}

export function channelsView(context: ViewContext, channels: ChannelSummary[]): SafeHtml {
  if (channels.length === 0) return html`<h1>Notification channels</h1><p class="empty">No notifications kept (none sent, or all pruned).</p>`
  return html`<h1>Notification channels</h1>
<table class="channels"><thead><tr><th>Channel</th><th class="n">Last id</th><th>Last sent</th></tr></thead>
<tbody>${channels.map(
    (channel) => html`<tr data-channel="${channel.channel}"><td>${channel.channel}</td><td class="n">${integer(channel.lastId)}</td><td title="${iso(channel.lastAt)}">${relative(channel.lastAt, context.now)}</td></tr>`,
  )}</tbody></table>`
}
