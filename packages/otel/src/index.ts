/**
 * @module @honker/otel
 *
 * OpenTelemetry traces and metrics for Honker (issue 19), on `@opentelemetry/api` 1.9+:
 * `instrumentHonker()` registers the instrumentation process-wide; nothing of OpenTelemetry is
 * loaded by `@honker/core` itself.
 */
export { instrumentHonker, ATTR, type InstrumentHonkerOptions, type HonkerInstrumentation, type QueueStatsSource } from './instrument.ts'
export { sqliteQueueStats, type QueueStat } from './queue-stats.ts'
export { parseContext, serializeContext } from './carrier.ts'
