import { createTraceState, isSpanContextValid, TraceFlags, type SpanContext } from '@opentelemetry/api'

/**
 * The trace context stored beside a job (`trace_context`): JSON of a W3C Trace Context carrier,
 * `{"traceparent":"00-<trace id>-<span id>-<flags>","tracestate":"..."}`. Written here rather than
 * through the global propagator, so it travels whatever propagator the app registered (or none).
 */
export function serializeContext(spanContext: SpanContext): string | null {
  if (!isSpanContextValid(spanContext)) return null
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0')
  const carrier: { traceparent: string; tracestate?: string } = { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` }
  const state = spanContext.traceState?.serialize()
  if (state) carrier.tracestate = state
  return JSON.stringify(carrier)
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/

/**
 * The producer's span context from stored text, or undefined for anything else (null, text
 * written by another implementation, a malformed header): the consumer then starts a new trace.
 */
export function parseContext(text: string | null): SpanContext | undefined {
  if (text === null || text.length > 8192) return undefined
  // What serializeContext writes without a tracestate, read without JSON.parse (once per attempt).
  if (text.length === BARE_LENGTH && text.startsWith(BARE_PREFIX) && text.endsWith('"}')) return fromHeaders(text.slice(BARE_PREFIX.length, -2), undefined)
  let carrier: unknown
  try {
    carrier = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof carrier !== 'object' || carrier === null) return undefined
  const { traceparent, tracestate } = carrier as { traceparent?: unknown; tracestate?: unknown }
  return fromHeaders(traceparent, tracestate)
}

const BARE_PREFIX = '{"traceparent":"'
/** The prefix, a version-00 traceparent (55 characters) and `"}`. */
const BARE_LENGTH = BARE_PREFIX.length + 55 + 2

function fromHeaders(traceparent: unknown, tracestate: unknown): SpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined
  const match = TRACEPARENT.exec(traceparent.trim())
  if (match === null || match[1] === 'ff' || (match[1] === '00' && traceparent.trim().length !== 55)) return undefined
  const spanContext: SpanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: parseInt(match[4]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  }
  if (typeof tracestate === 'string' && tracestate.length > 0) {
    try {
      spanContext.traceState = createTraceState(tracestate)
    } catch {
      // A bad tracestate is dropped; the parent still holds.
    }
  }
  // The pattern checked the lengths and hex digits; all zeros is the one invalid value left.
  return spanContext.traceId !== INVALID_TRACE_ID && spanContext.spanId !== INVALID_SPAN_ID ? spanContext : undefined
}

const INVALID_TRACE_ID = '0'.repeat(32)
const INVALID_SPAN_ID = '0'.repeat(16)
