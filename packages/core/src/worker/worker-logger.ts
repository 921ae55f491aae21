import type { EventEmitter } from 'node:events'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import type { WorkerEvents } from './worker-events.ts'
import type { WorkerJob } from './worker-storage.ts'

/** The two methods of `console` the worker's `logger` option uses. */
export interface WorkerLogger {
  warn(message: string, ...details: unknown[]): void
  error(message: string, ...details: unknown[]): void
}

/** The `logger` option, checked: it must have warn() and error(), like console. @internal */
export function requireLogger(logger: unknown): WorkerLogger {
  const candidate = logger as Partial<WorkerLogger> | null
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.warn !== 'function' || typeof candidate.error !== 'function') {
    throw new InvalidArgumentError('logger', 'must have warn() and error() methods, like console')
  }
  return candidate as WorkerLogger
}

/**
 * Report a worker's failures to `logger`: retries and lost claims as warnings, dead letters,
 * recovered errors and a fatal stop as errors. Successes are not logged.
 * @internal
 */
export function logWorkerEvents<Payload, J extends WorkerJob>(
  worker: EventEmitter<WorkerEvents<Payload, J>>,
  logger: WorkerLogger,
  { id, queue }: { id: string; queue: string },
): void {
  const where = (job: J): string => `honker worker ${id}: ${queue} job ${job.id} (attempt ${job.attempts}/${job.maxAttempts})`
  worker.on('job:retried', (job, error, delayS) => logger.warn(`${where(job)} failed, retrying in ${delayS} s:`, error))
  worker.on('job:dead', (job, error) => logger.error(`${where(job)} failed for good, moved to the dead letters:`, error))
  worker.on('job:lost', (job) => logger.warn(`${where(job)}: claim lost (lapsed, reclaimed or cancelled); its outcome was not recorded`))
  worker.on('worker:error', (error) => logger.error(`honker worker ${id} (${queue}): recovered from an error:`, error))
  worker.on('worker:stopped', (error) => {
    if (error !== null) logger.error(`honker worker ${id} (${queue}) stopped on an error:`, error)
  })
}
