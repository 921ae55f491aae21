import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import path from 'node:path'
import type { Database, DriverName, Job } from '@honker/core'
import type { Driver, DriverConnection } from '@honker/core/adapter'
import { cliDriver, openHonker, openReadonly } from '../database.ts'
import { EXIT_OK, outputClosedError } from '../errors.ts'
import { stdoutFailure } from '../output.ts'
import { aborted, listenForShutdown } from '../shutdown.ts'
import { loadHandler, type LoadedHandler } from '../worker/handler-module.ts'
import { Progress } from '../worker/progress.ts'
import { JsonReporter, TerminalReporter, type WorkerReporter } from '../worker/reporters.ts'

export interface WorkerCommandOptions {
  db: string
  driver?: DriverName
  queue: string
  handler: string
  concurrency: number
  visibilityTimeout?: number
  shutdownTimeout: number
  workerId?: string
  results?: boolean
  json?: boolean
  statusInterval?: number
  create?: boolean
  verbose: boolean
}

/**
 * `honker worker`: run the handler module's function for every job of one queue with core's
 * worker runtime (claims, heartbeats, retries with backoff, dead-lettering), until SIGINT/SIGTERM.
 * The first signal stops claiming and lets running jobs finish (up to --shutdown-timeout, then
 * they are released back to the queue); a second one releases them at once and exits. A closed
 * stdout (EPIPE) stops it like the first signal, then it exits with `output_closed`.
 */
export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  // The handler first: a typo there should fail before anything touches the database.
  const loaded = await loadHandler(options.handler, options.queue)
  // The better-sqlite3 the handler module itself gets, so the process holds one SQLite copy
  // (or the runtime's own SQLite, or the one --driver names).
  const driver = cliDriver({ name: options.driver, from: [path.dirname(loaded.file)] })
  const db = openHonker(options.db, { driver, createFlag: true, create: options.create === true })
  try {
    const reader = openReadonly(options.db, driver)
    try {
      return await work(options, loaded, driver, db, reader)
    } finally {
      reader.close()
    }
  } finally {
    db.close()
  }
}

async function work(options: WorkerCommandOptions, loaded: LoadedHandler, driver: Driver, db: Database, reader: DriverConnection): Promise<number> {
  const terminal = process.stdout.isTTY === true && options.json !== true
  const reporter: WorkerReporter = terminal ? new TerminalReporter(options.queue, options.verbose) : new JsonReporter()
  const queue = db.queue(options.queue, options.visibilityTimeout === undefined ? {} : { visibilityTimeoutS: options.visibilityTimeout })
  const running = new Map<number, { job: Job<unknown>; startedMs: number }>()

  const shutdown = listenForShutdown({
    force: () => {
      const released: number[] = []
      for (const { job } of running.values()) if (job.release()) released.push(job.id)
      reporter.forced(released)
    },
  })
  // Named here rather than by core: the start-up line must precede the first job, and the
  // worker claims its first jobs as soon as it is created.
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  reporter.started({
    queue: queue.name,
    workerId,
    concurrency: options.concurrency,
    handler: loaded.file,
    exportName: loaded.exportName,
    driver: driver.name,
  })
  let ticker: NodeJS.Timeout | undefined
  let progress: Progress | undefined
  try {
    const worker = queue.work(
      async (job, context) => {
        running.set(job.id, { job, startedMs: performance.now() })
        reporter.jobStarted(job)
        return loaded.handler(job, { ...context, db, queue: queue.name })
      },
      {
        concurrency: options.concurrency,
        shutdownTimeoutMs: options.shutdownTimeout * 1000,
        results: options.results === true,
        workerId,
      },
    )
    const live = new Progress(worker, reader, options.concurrency)
    progress = live
    const finish = (job: Job<unknown>): number => {
      const entry = running.get(job.id)
      running.delete(job.id)
      return entry === undefined ? 0 : Math.round(performance.now() - entry.startedMs)
    }
    worker.on('job:completed', (job) => {
      live.recordCompletion()
      reporter.jobCompleted(job, finish(job))
    })
    worker.on('job:retried', (job, error, delayS) => reporter.jobRetried(job, error, delayS, finish(job)))
    worker.on('job:dead', (job, error) => reporter.jobDead(job, error, finish(job)))
    worker.on('job:lost', (job) => reporter.jobLost(job, finish(job)))
    worker.on('job:released', (job) => reporter.jobReleased(job, finish(job)))
    worker.on('worker:error', (error) => reporter.workerError(error))

    // A terminal always gets a live line; elsewhere 0 turns the periodic status lines off.
    const intervalS = options.statusInterval === undefined || (terminal && options.statusInterval === 0)
      ? (terminal ? 0.5 : 10)
      : options.statusInterval
    reporter.progress(live.snapshot())
    if (intervalS > 0) ticker = setInterval(() => reporter.progress(live.snapshot()), intervalS * 1000)

    const stoppedBySignal = await Promise.race([aborted(shutdown.signal).then(() => true), worker.done.then(() => false)])
    if (stoppedBySignal) {
      reporter.stopping(String(shutdown.signal.reason), live.snapshot())
      // Lets running jobs finish (up to the shutdown timeout), then releases what still runs.
      await worker.stop()
    }
    // A fatal stop (watcher died, file replaced) rejects here and is reported by main.
    await worker.done
  } finally {
    clearInterval(ticker)
    shutdown.dispose()
    reporter.stopped(progress?.snapshot() ?? null)
  }
  const failed = stdoutFailure()
  if (failed !== null) {
    const stats = progress?.snapshot()
    throw outputClosedError(
      failed,
      `the worker stopped: ${stats?.processed ?? 0} job(s) processed, ${stats?.released ?? 0} released back to the queue`,
    )
  }
  return EXIT_OK
}
