import type { Job } from '@honker/core'
import { describeError } from '../errors.ts'
import { formatDuration, writeOut } from '../output.ts'
import type { ProgressSnapshot } from './progress.ts'
import { StatusLine } from './status-line.ts'

/** How the worker tells what it does: a live line on a terminal, JSON lines otherwise. */
export interface WorkerReporter {
  started(info: { queue: string; workerId: string; concurrency: number; handler: string; exportName: string; driver: string }): void
  jobStarted(job: Job<unknown>): void
  jobCompleted(job: Job<unknown>, durationMs: number): void
  jobRetried(job: Job<unknown>, error: unknown, delayS: number, durationMs: number): void
  jobDead(job: Job<unknown>, error: unknown, durationMs: number): void
  jobLost(job: Job<unknown>, durationMs: number): void
  jobReleased(job: Job<unknown>, durationMs: number): void
  workerError(error: unknown): void
  /** Periodic progress (the live line's redraw, or a `status` line). */
  progress(snapshot: ProgressSnapshot): void
  stopping(signal: string, snapshot: ProgressSnapshot): void
  /** The worker stopped (snapshot null if it failed before it started). */
  stopped(snapshot: ProgressSnapshot | null): void
  /** A second signal: `released` jobs were handed back and the process exits now. */
  forced(released: number[]): void
}

function errorMessage(error: unknown): string {
  return describeError(error).message
}

/** JSON lines on stdout, one per event, for logs and process managers. */
export class JsonReporter implements WorkerReporter {
  #emit(event: string, fields: Record<string, unknown> = {}): void {
    writeOut(`${JSON.stringify({ event, time: new Date().toISOString(), ...fields })}\n`)
  }

  started(info: Parameters<WorkerReporter['started']>[0]): void {
    this.#emit('worker:started', { ...info, pid: process.pid })
  }
  jobStarted(job: Job<unknown>): void {
    this.#emit('job:started', { id: job.id, attempt: job.attempts, maxAttempts: job.maxAttempts })
  }
  jobCompleted(job: Job<unknown>, durationMs: number): void {
    this.#emit('job:completed', { id: job.id, attempt: job.attempts, durationMs })
  }
  jobRetried(job: Job<unknown>, error: unknown, delayS: number, durationMs: number): void {
    this.#emit('job:retried', { id: job.id, attempt: job.attempts, maxAttempts: job.maxAttempts, durationMs, delayS, error: errorMessage(error) })
  }
  jobDead(job: Job<unknown>, error: unknown, durationMs: number): void {
    this.#emit('job:dead', { id: job.id, attempt: job.attempts, maxAttempts: job.maxAttempts, durationMs, error: errorMessage(error) })
  }
  jobLost(job: Job<unknown>, durationMs: number): void {
    this.#emit('job:lost', { id: job.id, durationMs })
  }
  jobReleased(job: Job<unknown>, durationMs: number): void {
    this.#emit('job:released', { id: job.id, durationMs })
  }
  workerError(error: unknown): void {
    const { code, message } = describeError(error)
    this.#emit('worker:error', { code, error: message })
  }
  progress(snapshot: ProgressSnapshot): void {
    this.#emit('status', { ...snapshot })
  }
  stopping(signal: string, snapshot: ProgressSnapshot): void {
    this.#emit('worker:stopping', { signal, running: snapshot.running })
  }
  stopped(snapshot: ProgressSnapshot | null): void {
    this.#emit('worker:stopped', { ...snapshot })
  }
  forced(released: number[]): void {
    this.#emit('worker:forced', { released })
  }
}

/** The live status line, with failures and shutdown printed as lines above it. */
export class TerminalReporter implements WorkerReporter {
  readonly #line = new StatusLine()
  readonly #queue: string
  readonly #verbose: boolean
  #state = ''

  constructor(queue: string, verbose: boolean) {
    this.#queue = queue
    this.#verbose = verbose
  }

  started(info: Parameters<WorkerReporter['started']>[0]): void {
    this.#line.start()
    this.#line.log(
      `honker worker: queue ${info.queue}, concurrency ${info.concurrency}, handler ${info.handler} (${info.exportName}), worker id ${info.workerId}, ${info.driver}. Ctrl-C stops.`,
    )
  }
  jobStarted(): void {}
  jobCompleted(job: Job<unknown>, durationMs: number): void {
    if (this.#verbose) this.#line.log(`job ${job.id} done in ${durationMs} ms`)
  }
  jobRetried(job: Job<unknown>, error: unknown, delayS: number): void {
    this.#line.log(`job ${job.id} failed (attempt ${job.attempts}/${job.maxAttempts}), retry in ${formatDuration(delayS)}: ${errorMessage(error)}`)
  }
  jobDead(job: Job<unknown>, error: unknown): void {
    this.#line.log(`job ${job.id} failed (attempt ${job.attempts}/${job.maxAttempts}), moved to dead letters: ${errorMessage(error)}`)
  }
  jobLost(job: Job<unknown>): void {
    this.#line.log(`job ${job.id}: claim lost while running (lapsed or cancelled); its outcome was not recorded`)
  }
  jobReleased(job: Job<unknown>): void {
    this.#line.log(`job ${job.id} released back to the queue`)
  }
  workerError(error: unknown): void {
    const { code, message } = describeError(error)
    this.#line.log(`worker error (recovered): ${message} (${code})`)
  }
  progress(snapshot: ProgressSnapshot): void {
    this.#line.update(this.#render(snapshot))
  }
  stopping(signal: string, snapshot: ProgressSnapshot): void {
    this.#state = 'stopping'
    this.#line.log(`${signal}: finishing ${snapshot.running} running job(s); press Ctrl-C again to release them and quit now`)
    this.#line.update(this.#render(snapshot))
  }
  stopped(snapshot: ProgressSnapshot | null): void {
    this.#state = 'stopped'
    if (snapshot !== null) this.#line.update(this.#render(snapshot))
    this.#line.stop()
  }
  forced(released: number[]): void {
    this.#line.log(`forced stop: released ${released.length} running job(s) back to the queue${released.length > 0 ? ` (${released.join(', ')})` : ''}`)
    this.#line.stop()
  }

  #render(s: ProgressSnapshot): string {
    const oldest = s.oldestPendingS === null ? '-' : formatDuration(s.oldestPendingS)
    const parts = [
      `${this.#queue}${this.#state === '' ? '' : ` (${this.#state})`}`,
      `processed ${s.processed}`,
      `failed ${s.failed}`,
      `retried ${s.retried}`,
      `running ${s.running}/${s.concurrency}`,
      `${s.rate}/s`,
      `oldest pending ${oldest}`,
    ]
    if (s.lost > 0) parts.push(`lost ${s.lost}`)
    if (s.released > 0) parts.push(`released ${s.released}`)
    return parts.join('  ')
  }
}
