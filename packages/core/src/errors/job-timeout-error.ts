import { HonkerError } from './honker-error.ts'

/**
 * A handler ran longer than `work(handler, { timeoutMs })`: its signal was aborted with this error
 * and the attempt failed like a throw (retried, or dead-lettered on its last attempt).
 */
export class JobTimeoutError extends HonkerError {
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super('timeout', `timeout: the handler ran longer than ${timeoutMs} ms (work's timeoutMs)`)
    this.name = 'JobTimeoutError'
    this.timeoutMs = timeoutMs
  }
}
