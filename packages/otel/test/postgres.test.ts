import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api'
import pg from 'pg'
import { postgresTestUrl } from '@honker/testkit/postgres-setup'
import { open, type PgDatabase } from '@honker/postgres'
import { instrumentHonker, type HonkerInstrumentation } from '../src/index.ts'
import { metering, spawnTracedWorker, tracing } from './support.ts'

let telemetry: HonkerInstrumentation | undefined
const pools: pg.Pool[] = []
const databases: PgDatabase[] = []
afterEach(() => {
  telemetry?.disable()
  telemetry = undefined
})
afterAll(async () => {
  for (const db of databases.splice(0)) db.close()
  await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => {})))
})

async function freshDatabase(): Promise<PgDatabase> {
  const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 6 })
  pool.on('error', () => {})
  pools.push(pool)
  const db = await open({ postgres: pool, schema: `honker_otel_${randomBytes(5).toString('hex')}` })
  databases.push(db)
  return db
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('traces on PostgreSQL', () => {
  it('the enqueue inside the caller transaction stores the context beside the payload; the attempt is its child; failures set status', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const db = await freshDatabase()
    const q = db.queue('pg-emails', { maxAttempts: 2 })
    const request = tracerProvider.getTracer('app').startSpan('POST /orders', { kind: SpanKind.SERVER })
    const id = await context.with(trace.setSpan(context.active(), request), () =>
      db.transaction(async (tx) => q.enqueue({ to: 'a@example.com' }, { tx })),
    )
    request.end()
    const pool = pools[pools.length - 1]!
    const { rows } = await pool.query(`SELECT payload, trace_context FROM ${db.schema}._honker_live WHERE id = $1`, [id])
    expect(JSON.parse(rows[0].payload)).toEqual({ to: 'a@example.com' })
    expect(rows[0].trace_context).toContain(request.spanContext().traceId)
    await q.enqueueMany([1, 2])
    await q.enqueue('u', { uniqueKey: 'k' })
    let calls = 0
    const worker = q.work(
      (job) => {
        if (job.id === id && calls++ === 0) throw new Error('first try fails')
      },
      { backoff: { baseS: 0 } },
    )
    await until(() => worker.stats.completed === 4 && worker.stats.retried === 1)
    await worker.stop()
    const send = spans().find((s) => s.name === 'send pg-emails' && s.attributes['messaging.message.id'] === String(id))!
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
    const attempts = spans().filter((s) => s.name === 'process pg-emails' && s.attributes['messaging.message.id'] === String(id))
    expect(attempts).toHaveLength(2)
    for (const attempt of attempts) {
      expect(attempt.spanContext().traceId).toBe(request.spanContext().traceId)
      expect(attempt.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
    }
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR)
    expect(attempts[0]!.events.map((e) => e.name)).toContain('honker.job.retried')
    expect(attempts[1]!.status.code).toBe(SpanStatusCode.UNSET)
    expect(spans().filter((s) => s.name === 'process pg-emails')).toHaveLength(5)
    expect(spans().filter((s) => s.name === 'process pg-emails').every((s) => s.parentSpanContext !== undefined)).toBe(true)
  })

  it('a producer in this process, the worker in another: one trace', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const db = await freshDatabase()
    const child = await spawnTracedWorker(['postgres', postgresTestUrl(), 'pg-remote', '3', db.schema])
    const request = tracerProvider.getTracer('app').startSpan('POST /orders')
    await context.with(trace.setSpan(context.active(), request), async () => {
      for (let i = 0; i < 3; i++) await db.transaction(async (tx) => db.queue('pg-remote').enqueue(i, { tx }))
    })
    request.end()
    const remote = (await child.spans).filter((s) => s.name === 'process pg-remote')
    const sends = spans().filter((s) => s.name === 'send pg-remote')
    expect(remote).toHaveLength(3)
    for (const span of remote) {
      expect(span.traceId).toBe(request.spanContext().traceId)
      expect(sends.map((s) => s.spanContext().spanId)).toContain(span.parentSpanId)
    }
  })
})

describe('metrics on PostgreSQL', () => {
  it('wake latency: one sample per NOTIFY that wakes an idle worker into a claim; none for a timer wake', async () => {
    const { meterProvider, value, histogram } = metering()
    telemetry = instrumentHonker({ meterProvider, traces: false })
    const db = await freshDatabase()
    const q = db.queue('pg-wake')
    await q.enqueue('due in a second', { delayS: 1 })
    const worker = q.work(() => {}, { fallbackPollMs: null })
    await until(() => worker.stats.completed === 1)
    expect(await value('honker.worker.wake_latency')).toBe(0)
    for (let i = 0; i < 3; i++) {
      await q.enqueue(i)
      await until(() => worker.stats.completed === 2 + i)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await worker.stop()
    expect(await value('honker.worker.wake_latency', { 'messaging.destination.name': 'pg-wake' })).toBe(3)
    expect((await histogram('honker.worker.wake_latency')).min).toBeGreaterThan(0)
  })
})
