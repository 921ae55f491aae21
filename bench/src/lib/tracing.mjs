/**
 * The tracing set-up of the traced worker figures (issue 19), shared by the SQLite and PostgreSQL
 * suites: the SDK (always sample, the batching processor, an in-memory exporter), the producer
 * context every prefilled job carries, and the bare hook of the ceiling figures.
 */

/** The stored producer context of every prefilled job. */
export const STORED_PARENT = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' }
/** That context as `@honker/otel` stores it. */
export const TRACED_CARRIER = JSON.stringify({ traceparent: `00-${STORED_PARENT.traceId}-${STORED_PARENT.spanId}-01` })

/** The SDK: always sample, the batching processor sized so no span drops, an in-memory exporter. */
export async function tracingSdk(spans) {
  const { context } = await import('@opentelemetry/api')
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks')
  const { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } = await import('@opentelemetry/sdk-trace-base')
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const exporter = new InMemorySpanExporter()
  const processor = new BatchSpanProcessor(exporter, { maxQueueSize: spans + 1024, maxExportBatchSize: 512 })
  const tracerProvider = new BasicTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [processor] })
  return { exporter, tracerProvider }
}

/**
 * What tracing could cost at best, registered through core's seam in place of `@honker/otel`:
 * per attempt, start a CONSUMER span with the attempt's attributes under the (already parsed)
 * stored parent, run the handler in its context, end it. Returns the function that removes it.
 */
export async function installBareTracingHook(tracerProvider) {
  const { context, trace, ROOT_CONTEXT, SpanKind } = await import('@opentelemetry/api')
  const { setInstrumentation } = await import('@honker/core/engine')
  const tracer = tracerProvider.getTracer('ceiling')
  const parent = trace.setSpanContext(ROOT_CONTEXT, { ...STORED_PARENT, traceFlags: 1, isRemote: true })
  setInstrumentation({
    enqueue: (_queue, _count, insert) => insert(null),
    attempt(job) {
      const span = tracer.startSpan(
        `process ${job.queue}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'honker',
            'messaging.destination.name': job.queue,
            'messaging.operation.type': 'process',
            'messaging.operation.name': 'process',
            'messaging.message.id': String(job.id),
            'messaging.client.id': job.workerId,
            'honker.job.attempt': job.attempts,
            'honker.job.max_attempts': job.maxAttempts,
          },
        },
        parent,
      )
      const active = trace.setSpan(ROOT_CONTEXT, span)
      return { run: (fn) => context.with(active, fn), end: () => span.end() }
    },
  })
  return () => setInstrumentation(undefined)
}
