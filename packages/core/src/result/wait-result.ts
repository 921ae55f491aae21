import { HonkerError } from '../errors/honker-error.ts'
import type { Host } from '../host.ts'
import { optionalMilliseconds, optionalSignal, requireObject } from '../validate.ts'
import { getResult, requireJobId } from './results.ts'

export interface WaitResultOptions {
  /** Reject with a HonkerError of code 'timeout' after this many milliseconds. Default: no limit. */
  timeoutMs?: number | null
  /** Stop waiting when this signal aborts; the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Resolve with a job's result once it is saved, by this process or any other. Subscribes to
 * commits before the first read (pitfall 8.3.9): a result committed while that read runs still
 * leaves a pending wake, so it is never missed. Wakes are hints; every one is followed by a read.
 */
export async function waitResult<T>(host: Host, jobId: number, options: WaitResultOptions = {}): Promise<T> {
  requireJobId(jobId)
  requireObject(options, 'options')
  const timeoutMs = optionalMilliseconds(options.timeoutMs, 'timeoutMs') ?? null
  const signal = optionalSignal(options.signal, 'signal')
  if (signal?.aborted) throw signal.reason
  // Real elapsed time, not the database clock: this bounds how long the caller waits.
  const deadline = timeoutMs === null ? null : performance.now() + timeoutMs
  const subscription = host.subscribe()
  try {
    for (;;) {
      const lookup = getResult<T>(host, jobId)
      if (lookup.found) return lookup.value
      const left = deadline === null ? null : deadline - performance.now()
      if (left !== null && left <= 0) {
        throw new HonkerError('timeout', `waitResult: no result for job ${jobId} within ${timeoutMs} ms`)
      }
      if ((await subscription.wait({ timeoutMs: left, signal })) === 'aborted') throw signal!.reason
    }
  } finally {
    subscription.close()
  }
}
