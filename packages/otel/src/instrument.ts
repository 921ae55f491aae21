import {
  context,
  metrics,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type BatchObservableCallback,
  type Context,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type ObservableGauge,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api'
import {
  getInstrumentation,
  setInstrumentation,
  type AttemptInfo,
  type AttemptObserver,
  type AttemptOutcome,
  type Instrumentation,
  type WakeInfo,
} from '@honker/core/engine'
import { parseContext, serializeContext } from './carrier.ts'
import { OnceReporter } from './report-once.ts'
import type { QueueStat } from './queue-stats.ts'

const SCOPE = '@honker/otel'
const VERSION = '0.1.0'

/** OpenTelemetry messaging semantic-convention attribute names (1.27+), and Honker's own. */
export const ATTR = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  clientId: 'messaging.client.id',
  errorType: 'error.type',
  attempt: 'honker.job.attempt',
  maxAttempts: 'honker.job.max_attempts',
  created: 'honker.job.created',
  state: 'honker.job.state',
  outcome: 'honker.job.outcome',
} as const

export interface InstrumentHonkerOptions {
  /** Default: the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider
  /** Default: the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider
  /** Record spans. Default true. */
  traces?: boolean
  /** Record metrics. Default true. */
  metrics?: boolean
  /**
   * Where the queue-depth and oldest-pending-age gauges read from, at each collection: one or more
   * sources such as `sqliteQueueStats(db)`, or any function returning the per-queue counts.
   * Without it those two gauges are not registered.
   */
  queueStats?: QueueStatsSource | readonly QueueStatsSource[]
  /** Told about the first telemetry failure of the process (default: `console.warn`). */
  onError?: (error: unknown) => void
}

export type QueueStatsSource = () => readonly QueueStat[] | Promise<readonly QueueStat[]>

export interface HonkerInstrumentation {
  /** Stop: later enqueues and attempts record nothing (spans already started still end). */
  disable(): void
  /** How many times the tracer or meter threw (only the first is reported). */
  readonly failures: number
}

interface Instruments {
  enqueued: Counter
  completed: Counter
  failed: Counter
  retried: Counter
  dead: Counter
  lost: Counter
  duration: Histogram
  waitTime: Histogram
  wakeLatency: Histogram
}

/**
 * Turn Honker's telemetry on for this process: a PRODUCER span around each enqueue whose context
 * is stored beside the job, a CONSUMER span around each attempt parented to it (in whichever
 * process runs the job), and the job metrics. Off (never called, or `disable()`d), Honker loads
 * nothing of OpenTelemetry and runs no extra statement.
 */
export function instrumentHonker(options: InstrumentHonkerOptions = {}): HonkerInstrumentation {
  const reporter = new OnceReporter(options.onError)
  let tracer: Tracer | undefined
  let meter: Meter | undefined
  let instruments: Instruments | undefined
  let gauges: { callback: BatchObservableCallback; observables: ObservableGauge[] } | undefined
  try {
    if (options.traces !== false) tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE, VERSION)
  } catch (error) {
    reporter.failed(error)
  }
  try {
    if (options.metrics !== false) {
      meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE, VERSION)
      instruments = createInstruments(meter)
      if (options.queueStats !== undefined) gauges = observeQueues(meter, options.queueStats, reporter)
    }
  } catch (error) {
    reporter.failed(error)
    instruments = undefined
  }
  const instrumentation = new OtelInstrumentation(tracer, instruments, reporter)
  setInstrumentation(instrumentation)
  return {
    disable() {
      if (getInstrumentation() === instrumentation) setInstrumentation(undefined)
      if (gauges !== undefined && meter !== undefined) {
        try {
          meter.removeBatchObservableCallback(gauges.callback, gauges.observables)
        } catch (error) {
          reporter.failed(error)
        }
        gauges = undefined
      }
    },
    get failures() {
      return reporter.failures
    },
  }
}

function createInstruments(meter: Meter): Instruments {
  const counter = (name: string, description: string) => meter.createCounter(name, { description, unit: '{job}' })
  // Seconds, with boundaries for jobs of a millisecond to several minutes.
  const advice = { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] }
  return {
    enqueued: counter('honker.jobs.enqueued', 'Jobs enqueued (counted when the insert returned; a rolled-back transaction still counts).'),
    completed: counter('honker.jobs.completed', 'Attempts that succeeded and were acked.'),
    failed: counter('honker.jobs.failed', 'Attempts that threw or timed out (then retried or dead-lettered).'),
    retried: counter('honker.jobs.retried', 'Failed attempts that will run again.'),
    dead: counter('honker.jobs.dead_lettered', 'Jobs moved to the dead letters by a worker.'),
    lost: counter('honker.jobs.lost', 'Attempts whose claim lapsed or whose job was cancelled while running.'),
    duration: meter.createHistogram('honker.job.duration', { description: 'Time from the start of an attempt to its recorded outcome.', unit: 's', advice }),
    waitTime: meter.createHistogram('honker.job.wait_time', { description: 'Time a job waited from becoming due to the start of its attempt.', unit: 's', advice }),
    wakeLatency: meter.createHistogram('honker.worker.wake_latency', {
      description: "Time from a commit's first sign at an idle worker's wake source (file event, poll, NOTIFY) to the return of the claim it caused.",
      unit: 's',
      // Sub-millisecond on one machine; a fallback poll or a busy event loop shows in the upper buckets.
      advice: { explicitBucketBoundaries: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] },
    }),
  }
}

function observeQueues(meter: Meter, source: QueueStatsSource | readonly QueueStatsSource[], reporter: OnceReporter) {
  const sources = typeof source === 'function' ? [source] : [...source]
  const depth = meter.createObservableGauge('honker.queue.depth', { description: 'Jobs per queue and state (pending = due now).', unit: '{job}' })
  const oldest = meter.createObservableGauge('honker.queue.oldest_pending_age', { description: 'Seconds the oldest due pending job has waited.', unit: 's' })
  const callback: BatchObservableCallback = async (result) => {
    for (const read of sources) {
      let stats: readonly QueueStat[]
      try {
        stats = await read()
      } catch (error) {
        reporter.failed(error)
        continue
      }
      for (const stat of stats) {
        const base = { [ATTR.system]: 'honker', [ATTR.destination]: stat.queue }
        for (const state of ['pending', 'delayed', 'processing', 'dead'] as const) result.observe(depth, stat[state], { ...base, [ATTR.state]: state })
        result.observe(oldest, stat.oldestPendingS ?? 0, base)
      }
    }
  }
  meter.addBatchObservableCallback(callback, [depth, oldest])
  return { callback, observables: [depth, oldest] }
}

type Thenable = PromiseLike<unknown>
const isThenable = (value: unknown): value is Thenable => typeof (value as { then?: unknown } | null)?.then === 'function'

class OtelInstrumentation implements Instrumentation {
  readonly #tracer: Tracer | undefined
  readonly #instruments: Instruments | undefined
  readonly #reporter: OnceReporter

  constructor(tracer: Tracer | undefined, instruments: Instruments | undefined, reporter: OnceReporter) {
    this.#tracer = tracer
    this.#instruments = instruments
    this.#reporter = reporter
  }

  enqueue<R>(queue: string, count: number, insert: (traceContext: string | null) => R): R {
    let span: Span | undefined
    let traceContext: string | null = null
    if (this.#tracer !== undefined) {
      try {
        span = this.#tracer.startSpan(
          `send ${queue}`,
          {
            kind: SpanKind.PRODUCER,
            attributes:
              count === 1
                ? { 'messaging.system': 'honker', 'messaging.destination.name': queue, 'messaging.operation.type': 'send', 'messaging.operation.name': 'send' }
                : {
                    'messaging.system': 'honker',
                    'messaging.destination.name': queue,
                    'messaging.operation.type': 'send',
                    'messaging.operation.name': 'send',
                    'messaging.batch.message_count': count,
                  },
          },
          context.active(),
        )
        traceContext = serializeContext(span.spanContext())
      } catch (error) {
        this.#reporter.failed(error)
        span = undefined
        traceContext = null
      }
    }
    let result: R
    try {
      result = insert(traceContext)
    } catch (error) {
      this.#enqueued(span, queue, count, undefined, error)
      throw error
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.#enqueued(span, queue, count, value, undefined),
        (error: unknown) => this.#enqueued(span, queue, count, undefined, error),
      )
    } else if (Array.isArray(result) && result.some(isThenable)) {
      Promise.all(result).then(
        (value) => this.#enqueued(span, queue, count, value, undefined),
        (error: unknown) => this.#enqueued(span, queue, count, undefined, error),
      )
    } else {
      this.#enqueued(span, queue, count, result, undefined)
    }
    return result
  }

  #enqueued(span: Span | undefined, queue: string, count: number, value: unknown, error: unknown): void {
    try {
      let created = count
      if (span !== undefined) {
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error))
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
        } else if (typeof value === 'number') {
          span.setAttribute(ATTR.messageId, String(value))
        } else if (Array.isArray(value) && value.length === 1) {
          span.setAttribute(ATTR.messageId, String(value[0]))
        } else if (typeof value === 'object' && value !== null && 'id' in value) {
          const unique = value as { id: number; created: boolean }
          span.setAttribute(ATTR.messageId, String(unique.id))
          span.setAttribute(ATTR.created, unique.created)
          if (!unique.created) created = 0
        }
        span.end()
      } else if (typeof value === 'object' && value !== null && 'created' in value && (value as { created: boolean }).created === false) {
        created = 0
      }
      if (error === undefined && created > 0) this.#instruments?.enqueued.add(created, this.#attributesOf(queue))
    } catch (failure) {
      this.#reporter.failed(failure)
    }
  }

  /** Per queue: the attributes every metric of the queue carries (one object, reused). */
  readonly #queueAttributes = new Map<string, Attributes>()

  #attributesOf(queue: string): Attributes {
    let attributes = this.#queueAttributes.get(queue)
    if (attributes === undefined) {
      attributes = { 'messaging.system': 'honker', 'messaging.destination.name': queue }
      if (this.#queueAttributes.size < 10_000) this.#queueAttributes.set(queue, attributes)
    }
    return attributes
  }

  attempt(job: AttemptInfo, traceContext: string | null): AttemptObserver {
    const base = this.#attributesOf(job.queue)
    if (this.#instruments !== undefined) {
      try {
        this.#instruments.waitTime.record(Math.max(0, Date.now() / 1000 - Math.max(job.runAt, job.createdAt)), base)
      } catch (error) {
        this.#reporter.failed(error)
      }
    }
    let span: Span | undefined
    let active: Context | undefined
    if (this.#tracer !== undefined) {
      try {
        // The producer's span is the parent: one trace reads request, enqueue, wait, attempt.
        // Without a usable stored context the attempt starts a new trace (never the worker's
        // own surrounding context, which has nothing to do with the job).
        const producer = parseContext(traceContext)
        const parent = producer === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, producer)
        span = this.#tracer.startSpan(
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
        // The handler's context holds only the attempt's span (the producer is reachable as its parent).
        active = trace.setSpan(ROOT_CONTEXT, span)
      } catch (error) {
        this.#reporter.failed(error)
        span = undefined
        active = undefined
      }
    }
    return new Attempt(this, span, active, base)
  }

  woke(wake: WakeInfo): void {
    if (this.#instruments === undefined) return
    try {
      this.#instruments.wakeLatency.record(wake.latencyMs / 1000, this.#attributesOf(wake.queue))
    } catch (error) {
      this.#reporter.failed(error)
    }
  }

  /** @internal */
  reportFailure(error: unknown): void {
    this.#reporter.failed(error)
  }

  /** @internal */
  ended(span: Span | undefined, base: Attributes, started: number, outcome: AttemptOutcome): void {
    this.#ended(span, base, started, outcome)
  }

  #ended(span: Span | undefined, base: Attributes, started: number, outcome: AttemptOutcome): void {
    const error = outcome.kind === 'retried' || outcome.kind === 'dead' ? outcome.error : undefined
    const errorType = error === undefined ? undefined : errorTypeOf(error)
    try {
      if (span !== undefined) {
        span.setAttribute(ATTR.outcome, outcome.kind)
        if (errorType === 'timeout') span.addEvent('honker.job.timeout')
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error))
          span.setAttribute(ATTR.errorType, errorType!)
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
        }
        if (outcome.kind === 'retried') span.addEvent('honker.job.retried', { 'honker.job.retry_delay_s': outcome.delayS })
        else if (outcome.kind === 'dead') span.addEvent('honker.job.dead_lettered')
        else if (outcome.kind === 'lost') {
          span.addEvent('honker.job.lost')
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'claim lost: the outcome was not recorded' })
        } else if (outcome.kind === 'released') span.addEvent('honker.job.released')
        span.end()
      }
    } catch (failure) {
      this.#reporter.failed(failure)
    }
    const instruments = this.#instruments
    if (instruments === undefined) return
    try {
      instruments.duration.record((performance.now() - started) / 1000, { 'messaging.system': 'honker', 'messaging.destination.name': base['messaging.destination.name'], 'honker.job.outcome': outcome.kind })
      const attrs = errorType === undefined ? base : { 'messaging.system': 'honker', 'messaging.destination.name': base['messaging.destination.name'], 'error.type': errorType }
      if (outcome.kind === 'completed') instruments.completed.add(1, base)
      else if (outcome.kind === 'retried') {
        instruments.failed.add(1, attrs)
        instruments.retried.add(1, attrs)
      } else if (outcome.kind === 'dead') {
        instruments.failed.add(1, attrs)
        instruments.dead.add(1, attrs)
      } else if (outcome.kind === 'lost') instruments.lost.add(1, base)
    } catch (failure) {
      this.#reporter.failed(failure)
    }
  }
}

/** One attempt's observer (a class: a closure pair per job costs more than the span). */
class Attempt implements AttemptObserver {
  readonly #owner: OtelInstrumentation
  readonly #span: Span | undefined
  readonly #active: Context | undefined
  readonly #base: Attributes
  readonly #started = performance.now()
  #ended = false

  constructor(owner: OtelInstrumentation, span: Span | undefined, active: Context | undefined, base: Attributes) {
    this.#owner = owner
    this.#span = span
    this.#active = active
    this.#base = base
  }

  run<T>(fn: () => T): T {
    if (this.#active === undefined) return fn()
    let entered = false
    try {
      return context.with(this.#active, () => {
        entered = true
        return fn()
      })
    } catch (error) {
      if (entered) throw error
      this.#owner.reportFailure(error)
      return fn()
    }
  }

  end(outcome: AttemptOutcome): void {
    if (this.#ended) return
    this.#ended = true
    this.#owner.ended(this.#span, this.#base, this.#started, outcome)
  }
}

/** `error.type`: a HonkerError's stable code, else the error's class name. */
function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.length > 0) return code
    const name = (error as { name?: unknown }).name
    if (typeof name === 'string' && name.length > 0) return name
  }
  return '_OTHER'
}
