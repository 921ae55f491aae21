import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())

export function tracing() {
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  return { exporter, tracerProvider, spans: (): ReadableSpan[] => exporter.getFinishedSpans() }
}

/** A metric reader collected on demand. */
export class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export function metering() {
  const reader = new TestReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  const collect = async (): Promise<ResourceMetrics> => (await reader.collect()).resourceMetrics
  /** Sum of a counter's (or gauge's) data points matching `attributes`; a histogram's count. */
  const value = async (name: string, attributes: Record<string, unknown> = {}): Promise<number> => {
    const metrics = await collect()
    let total = 0
    for (const scope of metrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue
        for (const point of metric.dataPoints) {
          if (!Object.entries(attributes).every(([k, v]) => point.attributes[k] === v)) continue
          const v = point.value as number | { count: number }
          total += typeof v === 'number' ? v : v.count
        }
      }
    }
    return total
  }
  /** A histogram's sum and minimum over its data points. */
  const histogram = async (name: string): Promise<{ sum: number; min: number }> => {
    let sum = 0
    let min = Infinity
    for (const scope of (await collect()).scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue
        for (const point of metric.dataPoints) {
          const v = point.value as { sum: number; min?: number }
          sum += v.sum
          min = Math.min(min, v.min ?? Infinity)
        }
      }
    }
    return { sum, min }
  }
  return { meterProvider, reader, collect, value, histogram }
}

export function tempFile(name = 'app.db'): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'honker-otel-')), name)
}

export interface ExportedSpan {
  name: string
  kind: number
  traceId: string
  spanId: string
  parentSpanId: string | null
  attributes: Record<string, unknown>
}

/**
 * The fixture worker in a child process; resolves once it is ready, with a promise of the spans
 * it finished after running `count` jobs.
 */
export async function spawnTracedWorker(
  args: string[],
  options: { runtime?: string; env?: Record<string, string> } = {},
): Promise<{ spans: Promise<ExportedSpan[]> }> {
  const fixture = fileURLToPath(new URL('./fixtures/traced-worker.mjs', import.meta.url))
  const child = spawn(options.runtime ?? process.execPath, [fixture, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  let ready!: () => void
  const readyPromise = new Promise<void>((resolve) => (ready = resolve))
  const spans = new Promise<ExportedSpan[]>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.startsWith('ready\n')) ready()
    })
    child.on('exit', (code) => {
      const lines = out.trim().split('\n')
      if (code !== 0 || lines.length < 2) reject(new Error(`worker exited ${code}: ${err}\n${out}`))
      else resolve(JSON.parse(lines[lines.length - 1]!) as ExportedSpan[])
    })
  })
  spans.catch(() => ready())
  await readyPromise
  return { spans }
}
