// @honker/otel: OpenTelemetry traces and metrics for Honker, with the app's own @opentelemetry/api.
import { metrics, trace } from '@opentelemetry/api'
import { open } from '@honker/core'
import { instrumentHonker, parseContext, sqliteQueueStats, type HonkerInstrumentation, type QueueStat } from '@honker/otel'

export function run(): number {
  const db = open('app.db')
  const stats: QueueStat[] = sqliteQueueStats(db)()
  const telemetry: HonkerInstrumentation = instrumentHonker({
    tracerProvider: trace.getTracerProvider(),
    meterProvider: metrics.getMeterProvider(),
    queueStats: [sqliteQueueStats(db), async () => stats],
    onError: (error: unknown) => console.warn(error),
  })
  const parent = parseContext('{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}')
  telemetry.disable()
  db.close()
  return telemetry.failures + (parent === undefined ? 1 : 0)
}
