import { afterEach, describe, expect, it } from 'vitest'
import { SpanKind, SpanStatusCode, context, trace, type TracerProvider } from '@opentelemetry/api'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { open, type Database as HonkerDatabase } from '@honker/core'
import { getInstrumentation } from '@honker/core/engine'
import { enqueue as drizzleEnqueue } from '@honker/drizzle'
import { enqueue as kyselyEnqueue } from '@honker/kysely'
import { Kysely, SqliteDialect } from 'kysely'
import { instrumentHonker, sqliteQueueStats, type HonkerInstrumentation } from '../src/index.ts'
import { metering, spawnTracedWorker, tempFile, tracing } from './support.ts'
// @ts-expect-error: a plain .mjs script of the repository, without declarations
import { ensureRuntimes } from '../../../scripts/runtimes.mjs'

let telemetry: HonkerInstrumentation | undefined
const opened: HonkerDatabase[] = []
afterEach(() => {
  telemetry?.disable()
  telemetry = undefined
  for (const db of opened.splice(0)) db.close()
})

function openDb(file = tempFile()): HonkerDatabase {
  const db = open(file)
  opened.push(db)
  return db
}

const rows = (file: string) => {
  const raw = new Database(file, { readonly: true })
  try {
    return raw.prepare('SELECT id, payload, trace_context FROM _honker_live ORDER BY id').all() as { id: number; payload: string; trace_context: string | null }[]
  } finally {
    raw.close()
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('traces on SQLite', () => {
  it('one trace reads: the request, the enqueue inside its transaction, the attempt (parented to the enqueue)', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const file = tempFile()
    const db = openDb(file)
    const emails = db.queue('emails')
    const request = tracerProvider.getTracer('app').startSpan('POST /orders', { kind: SpanKind.SERVER })
    const id = context.with(trace.setSpan(context.active(), request), () =>
      db.transaction((tx) => emails.enqueue({ to: 'a@example.com' }, { tx })),
    )
    request.end()
    // The context is stored beside the payload, never inside it.
    const [row] = rows(file)
    expect(JSON.parse(row!.payload)).toEqual({ to: 'a@example.com' })
    const carrier = JSON.parse(row!.trace_context!) as { traceparent: string }
    expect(carrier.traceparent).toMatch(new RegExp(`^00-${request.spanContext().traceId}-[0-9a-f]{16}-01$`))

    let activeInHandler: string | undefined
    const worker = emails.work(() => {
      activeInHandler = trace.getActiveSpan()?.spanContext().spanId
    })
    await until(() => worker.stats.completed === 1)
    await worker.stop()
    const send = spans().find((s) => s.name === 'send emails')!
    const process = spans().find((s) => s.name === 'process emails')!
    expect(send.kind).toBe(SpanKind.PRODUCER)
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
    expect(send.attributes).toMatchObject({
      'messaging.system': 'honker',
      'messaging.destination.name': 'emails',
      'messaging.operation.type': 'send',
      'messaging.message.id': String(id),
    })
    expect(process.kind).toBe(SpanKind.CONSUMER)
    expect(process.spanContext().traceId).toBe(request.spanContext().traceId)
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
    expect(process.attributes).toMatchObject({
      'messaging.system': 'honker',
      'messaging.destination.name': 'emails',
      'messaging.operation.type': 'process',
      'messaging.message.id': String(id),
      'honker.job.attempt': 1,
      'honker.job.outcome': 'completed',
    })
    expect(process.status.code).toBe(SpanStatusCode.UNSET)
    expect(activeInHandler).toBe(process.spanContext().spanId) // the handler runs inside the attempt's span
  })

  it('through an ORM adapter: Drizzle enqueue(tx, ...) inside its transaction captures the active context', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const file = tempFile()
    openDb(file) // creates the tables
    const sqlite = new Database(file)
    const orm = drizzle(sqlite)
    const request = tracerProvider.getTracer('app').startSpan('POST /signup')
    const id = context.with(trace.setSpan(context.active(), request), () => orm.transaction((tx) => drizzleEnqueue(tx as never, 'welcome', { user: 1 })))
    request.end()
    sqlite.close()
    const send = spans().find((s) => s.name === 'send welcome')!
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
    expect(send.attributes['messaging.message.id']).toBe(String(id))
    const [row] = rows(file)
    expect(row!.trace_context).toContain(`-${send.spanContext().spanId}-`)
  })

  it('through an async adapter: Kysely enqueue(trx, ...) inside its transaction; the span ends when the insert settles', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const file = tempFile()
    openDb(file)
    const kysely = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: new Database(file) }) })
    const request = tracerProvider.getTracer('app').startSpan('POST /invite')
    const id = await context.with(trace.setSpan(context.active(), request), () => kysely.transaction().execute((trx) => kyselyEnqueue(trx, 'invites', { to: 'b' })))
    request.end()
    await kysely.destroy()
    const send = spans().find((s) => s.name === 'send invites')!
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
    expect(send.attributes['messaging.message.id']).toBe(String(id))
    expect(rows(file)[0]!.trace_context).toContain(`-${send.spanContext().spanId}-`)
  })

  it('unique and grouped enqueues and enqueueMany store the context too; a held key records created: false', () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const file = tempFile()
    const db = openDb(file)
    const q = db.queue('mixed')
    const first = q.enqueue(1, { uniqueKey: 'k' })
    const again = q.enqueue(2, { uniqueKey: 'k' })
    expect(again).toEqual({ id: first.id, created: false })
    q.enqueue(3, { group: 'tenant' })
    q.enqueueMany([4, 5])
    expect(rows(file).map((r) => r.trace_context === null)).toEqual([false, false, false, false])
    const sends = spans().filter((s) => s.name === 'send mixed')
    expect(sends).toHaveLength(4)
    expect(sends[1]!.attributes['honker.job.created']).toBe(false)
    expect(sends[3]!.attributes['messaging.batch.message_count']).toBe(2)
  })

  it('every claim path hands the attempt its stored context: plain, batched, and grouped under a group limit', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const db = openDb()
    const plain = db.queue('paths-plain')
    const grouped = db.queue('paths-grouped')
    grouped.setGroupConcurrency(1)
    plain.enqueueMany([1, 2, 3, 4])
    for (const group of ['a', 'a', 'b']) grouped.enqueue(group, { group })
    const workers = [plain.work(() => {}, { concurrency: 4 }), grouped.work(() => {}, { concurrency: 2 })]
    await until(() => workers[0]!.stats.completed === 4 && workers[1]!.stats.completed === 3)
    await Promise.all(workers.map((w) => w.stop()))
    for (const name of ['paths-plain', 'paths-grouped']) {
      const sends = spans().filter((s) => s.name === `send ${name}`)
      const attempts = spans().filter((s) => s.name === `process ${name}`)
      expect(attempts).toHaveLength(name === 'paths-plain' ? 4 : 3)
      for (const attempt of attempts) expect(sends.map((s) => s.spanContext().spanId)).toContain(attempt.parentSpanContext?.spanId)
    }
  })

  it('retries, dead letters and timeouts set status and events', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const db = openDb()
    const q = db.queue('flaky', { maxAttempts: 2 })
    q.enqueue('boom')
    const worker = q.work(
      () => {
        throw new Error('boom')
      },
      { backoff: { baseS: 0 } },
    )
    await until(() => worker.stats.dead === 1)
    await worker.stop()
    const attempts = spans().filter((s) => s.name === 'process flaky')
    expect(attempts).toHaveLength(2)
    expect(attempts.map((s) => s.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR])
    expect(attempts[0]!.events.map((e) => e.name)).toEqual(['exception', 'honker.job.retried'])
    expect(attempts[1]!.events.map((e) => e.name)).toEqual(['exception', 'honker.job.dead_lettered'])
    expect(attempts[1]!.attributes).toMatchObject({ 'honker.job.attempt': 2, 'honker.job.outcome': 'dead', 'error.type': 'Error' })
    expect(attempts[0]!.spanContext().traceId).toBe(attempts[1]!.spanContext().traceId) // both attempts under the one enqueue

    const slow = db.queue('slow', { maxAttempts: 1 })
    slow.enqueue('hangs')
    const timed = slow.work(() => new Promise(() => {}), { timeoutMs: 50 })
    await until(() => timed.stats.dead === 1)
    await timed.stop()
    const timedOut = spans().find((s) => s.name === 'process slow')!
    expect(timedOut.events.map((e) => e.name)).toContain('honker.job.timeout')
    expect(timedOut.attributes['error.type']).toBe('timeout')
  })

  it('a lost claim (the job cancelled while running) ends the attempt with an error status', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const db = openDb()
    const q = db.queue('cancelled', { visibilityTimeoutS: 1 })
    const id = q.enqueue('x')
    const worker = q.work(({}, { signal }) => new Promise((resolve) => signal.addEventListener('abort', resolve)), { heartbeatIntervalMs: 50 })
    await until(() => worker.running === 1)
    q.cancel(id)
    await until(() => worker.stats.lost === 1)
    await worker.stop()
    const attempt = spans().find((s) => s.name === 'process cancelled')!
    expect(attempt.events.map((e) => e.name)).toContain('honker.job.lost')
    expect(attempt.status.code).toBe(SpanStatusCode.ERROR)
  })

  it('a malformed stored context (another implementation wrote it) starts a new trace; the job runs', async () => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const file = tempFile()
    const db = openDb(file)
    const q = db.queue('foreign')
    q.enqueue('placeholder') // creates nothing traced: no active span... but the producer span exists
    const raw = new Database(file)
    const bad = ['not json', '{"traceparent":"00-zz-11-01"}', '[1,2]', '{"traceparent":"00-00000000000000000000000000000000-0000000000000000-01"}', 'null']
    raw.prepare('DELETE FROM _honker_live').run()
    for (const text of bad) {
      raw.prepare(`INSERT INTO _honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, trace_context)
        VALUES ('foreign', '1', 'pending', 0, 0, 0, 3, 0, ?)`).run(text)
    }
    raw.close()
    const worker = q.work(() => {})
    await until(() => worker.stats.completed === bad.length)
    await worker.stop()
    const attempts = spans().filter((s) => s.name === 'process foreign')
    expect(attempts).toHaveLength(bad.length)
    for (const span of attempts) expect(span.parentSpanContext).toBeUndefined()
    expect(new Set(attempts.map((s) => s.spanContext().traceId)).size).toBe(bad.length)
  })

  it('a tracer and a meter that throw: every job still runs and acks; the failure is reported once', async () => {
    const throwing = () => {
      throw new Error('exporter exploded')
    }
    const tracerProvider = { getTracer: () => ({ startSpan: throwing, startActiveSpan: throwing }) } as unknown as TracerProvider
    const meterProvider = { getMeter: throwing } as never
    const reports: unknown[] = []
    telemetry = instrumentHonker({ tracerProvider, meterProvider, onError: (error) => reports.push(error) })
    const db = openDb()
    const q = db.queue('robust')
    for (let i = 0; i < 20; i++) q.enqueue(i)
    const worker = q.work(() => {}, { concurrency: 4 })
    await until(() => worker.stats.completed === 20)
    await worker.stop()
    expect(q.counts()).toMatchObject({ pending: 0, processing: 0, dead: 0 })
    expect(reports).toHaveLength(1)
    expect(telemetry.failures).toBeGreaterThan(20)
  })

  it('off by default and after disable(): nothing registered, nothing stored', () => {
    expect(getInstrumentation()).toBeUndefined()
    const file = tempFile()
    const db = openDb(file)
    db.queue('plain').enqueue(1)
    const handle = instrumentHonker({ tracerProvider: tracing().tracerProvider, metrics: false })
    expect(getInstrumentation()).toBeDefined()
    handle.disable()
    expect(getInstrumentation()).toBeUndefined()
    db.queue('plain').enqueue(2)
    expect(rows(file).map((r) => r.trace_context)).toEqual([null, null])
  })

  // The worker process on each SQLite driver, in its own runtime (as core's driver suites run).
  const runtimes = ensureRuntimes()
  const drivers: { driver: string; runtime: string }[] = [
    { driver: 'better-sqlite3', runtime: process.execPath },
    { driver: 'libsql', runtime: process.execPath },
    { driver: 'node:sqlite', runtime: runtimes.node24 },
    { driver: 'bun:sqlite', runtime: runtimes.bun },
  ]
  it.each(drivers)('a producer in this process, the worker in another on $driver: one trace, the attempt parented to the enqueue', async ({ driver, runtime }) => {
    const { tracerProvider, spans } = tracing()
    telemetry = instrumentHonker({ tracerProvider, metrics: false })
    const file = tempFile()
    const db = openDb(file)
    const queue = `remote-${driver.replace(/[^a-z0-9]/g, '')}`
    const child = await spawnTracedWorker(['sqlite', file, queue, '3'], { runtime, env: { HONKER_DRIVER: driver } })
    const request = tracerProvider.getTracer('app').startSpan('POST /orders')
    context.with(trace.setSpan(context.active(), request), () => {
      for (let i = 0; i < 3; i++) db.transaction((tx) => db.queue(queue).enqueue(i, { tx }))
    })
    request.end()
    const remote = (await child.spans).filter((s) => s.name === `process ${queue}`)
    const sends = spans().filter((s) => s.name === `send ${queue}`)
    expect(remote).toHaveLength(3)
    for (const span of remote) {
      expect(span.traceId).toBe(request.spanContext().traceId)
      expect(sends.map((s) => s.spanContext().spanId)).toContain(span.parentSpanId)
      expect(span.attributes['messaging.operation.type']).toBe('process')
    }
  })
})

describe('metrics on SQLite', () => {
  it('counts enqueued, completed, failed, retried and dead-lettered jobs; records duration and wait; observes depth', async () => {
    const { meterProvider, value } = metering()
    const file = tempFile()
    const db = openDb(file)
    telemetry = instrumentHonker({ meterProvider, traces: false, queueStats: sqliteQueueStats(db) })
    const q = db.queue('m', { maxAttempts: 2 })
    q.enqueueMany([1, 2, 3])
    q.enqueue('fail')
    q.enqueue('later', { delayS: 3600 })
    expect(await value('honker.jobs.enqueued', { 'messaging.destination.name': 'm' })).toBe(5)
    expect(await value('honker.queue.depth', { 'honker.job.state': 'pending' })).toBe(4)
    expect(await value('honker.queue.depth', { 'honker.job.state': 'delayed' })).toBe(1)
    const worker = q.work(
      (job) => {
        if (job.payload === 'fail') throw new Error('no')
      },
      { backoff: { baseS: 0 } },
    )
    await until(() => worker.stats.completed === 3 && worker.stats.dead === 1)
    await worker.stop()
    expect(await value('honker.jobs.completed')).toBe(3)
    expect(await value('honker.jobs.failed')).toBe(2)
    expect(await value('honker.jobs.retried')).toBe(1)
    expect(await value('honker.jobs.dead_lettered')).toBe(1)
    expect(await value('honker.job.duration')).toBe(5)
    expect(await value('honker.job.wait_time')).toBe(5)
    expect(await value('honker.queue.depth', { 'honker.job.state': 'dead' })).toBe(1)
    expect(await value('honker.queue.depth', { 'honker.job.state': 'pending' })).toBe(0)
  })

  it('wake latency: one sample per commit that wakes an idle worker into a claim; none for a timer wake or a commit that claims nothing', async () => {
    const { meterProvider, value, histogram } = metering()
    const file = tempFile()
    const db = openDb(file)
    telemetry = instrumentHonker({ meterProvider, traces: false })
    const q = db.queue('wake')
    q.enqueue('due in a second', { delayS: 1 })
    const worker = q.work(() => {}, { fallbackPollMs: null })
    // Its own timer runs the delayed job: no commit woke it, so no sample.
    await until(() => worker.stats.completed === 1)
    // Another process's commit to another queue wakes it, and its claim takes nothing: no sample.
    const producer = openDb(file)
    producer.queue('elsewhere').enqueue('x')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await value('honker.worker.wake_latency')).toBe(0)
    for (let i = 0; i < 3; i++) {
      producer.queue('wake').enqueue(i)
      await until(() => worker.stats.completed === 2 + i)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await worker.stop()
    expect(await value('honker.worker.wake_latency', { 'messaging.destination.name': 'wake' })).toBe(3)
    const { sum, min } = await histogram('honker.worker.wake_latency')
    expect(min).toBeGreaterThan(0)
    expect(Number.isFinite(sum)).toBe(true)
  })
})
