import type { Job } from '../queue/job.ts'
import type { WorkerJob } from './worker-storage.ts'

export interface WorkerEvents<Payload, J extends WorkerJob = Job<Payload>> {
  /** A handler returned and its job was acked. */
  'job:completed': [job: J, result: unknown]
  /** A handler threw and its job will run again after `delayS`. */
  'job:retried': [job: J, error: unknown, delayS: number]
  /** A handler threw on the last attempt (or threw UnrecoverableError): the job is dead. */
  'job:dead': [job: J, error: unknown]
  /** The claim lapsed or the job was cancelled while running; its outcome was not recorded. */
  'job:lost': [job: J]
  /** The job was handed back to the queue on shutdown. */
  'job:released': [job: J]
  /** A problem the worker recovered from (a busy database, a failed sweep or ack). */
  'worker:error': [error: unknown]
  /** The loop ended; `error` is set when it ended because of one (watcher died, file replaced). */
  'worker:stopped': [error: unknown]
}

export interface WorkerStats {
  claimed: number
  completed: number
  retried: number
  dead: number
  lost: number
  released: number
}
