import type { DriverName, JobInfo, LiveJobState } from '@honker/core'
import { cliDriver, openHonker } from '../database.ts'
import { CliError, EXIT_OK, usageError } from '../errors.ts'
import { formatDuration, formatTable, parseStored, printJson, truncate, writeOut } from '../output.ts'

export interface JobsListOptions {
  db: string
  driver?: DriverName
  queue?: string
  state?: LiveJobState
  limit: number
  afterId?: number
  json?: boolean
}

export interface JobsReleaseOptions {
  db: string
  driver?: DriverName
  queue: string
  id?: number[]
  allExpired?: boolean
  worker?: string
  force?: boolean
  json?: boolean
}

/** 'delayed' for a pending job that is not due yet, as `honker status` counts it. */
function stateOf(job: JobInfo, now: number): LiveJobState {
  if (job.state === 'processing') return 'processing'
  return job.runAt > now ? 'delayed' : 'pending'
}

function liveJobJson(job: JobInfo, now: number): Record<string, unknown> {
  return {
    id: job.id,
    queue: job.queue,
    state: stateOf(job, now),
    workerId: job.workerId,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    runAt: job.runAt,
    claimExpiresAt: job.claimExpiresAt,
    // A claim is owned while claim_expires_at >= now (honker's rule); after that any worker may take it.
    claimExpired: job.claimExpiresAt === null ? null : job.claimExpiresAt < now,
    createdAt: job.createdAt,
    expiresAt: job.expiresAt,
    payload: parseStored(job.payloadText),
  }
}

function claimText(job: JobInfo, now: number): string {
  if (job.claimExpiresAt === null) return '-'
  return job.claimExpiresAt < now ? `expired ${formatDuration(now - job.claimExpiresAt)} ago` : `in ${formatDuration(job.claimExpiresAt - now)}`
}

/**
 * `honker jobs list`: a page of live jobs (pending, delayed, processing), oldest id first, with
 * the worker holding each claimed one and when its claim expires.
 */
export function jobsListCommand(options: JobsListOptions): number {
  const db = openHonker(options.db, { driver: cliDriver({ name: options.driver }) })
  try {
    const jobs = db.listJobs({
      limit: options.limit,
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(options.state === undefined ? {} : { state: options.state }),
      ...(options.afterId === undefined ? {} : { afterId: options.afterId }),
    })
    const now = Math.floor(Date.now() / 1000)
    if (options.json === true) {
      for (const job of jobs) printJson(liveJobJson(job, now))
      return EXIT_OK
    }
    if (jobs.length === 0) {
      const which = options.state === undefined ? 'live' : options.state
      const where = options.queue === undefined ? '' : ` in queue ${options.queue}`
      const after = options.afterId === undefined ? '' : ` after id ${options.afterId}`
      writeOut(`no ${which} jobs${where}${after}\n`)
      return EXIT_OK
    }
    const table = formatTable(
      ['id', 'queue', 'state', 'attempts', 'worker', 'claim expires', 'payload'],
      jobs.map((job) => {
        const state = stateOf(job, now)
        return [
          job.id,
          job.queue,
          state === 'delayed' ? `delayed (in ${formatDuration(job.runAt - now)})` : state,
          `${job.attempts}/${job.maxAttempts}`,
          job.workerId ?? '-',
          claimText(job, now),
          truncate(job.payloadText, 40),
        ]
      }),
    )
    const more = jobs.length === options.limit ? `\n${jobs.length} shown; next page: --after-id ${jobs.at(-1)!.id}` : ''
    writeOut(`${table}${more}\n`)
    return EXIT_OK
  } finally {
    db.close()
  }
}

type Selection = { ids: number[] } | { allExpired: true } | { workerId: string }

function requireSelection(options: JobsReleaseOptions): Selection {
  const ids = [...new Set(options.id ?? [])]
  const given = [ids.length > 0, options.allExpired === true, options.worker !== undefined].filter(Boolean).length
  if (given === 0) throw usageError('say which jobs: --id N [N ...], --all-expired or --worker ID')
  if (given > 1) throw usageError('give one of --id, --all-expired or --worker')
  if (options.allExpired === true) {
    if (options.force === true) throw usageError('--force applies to --id and --worker; --all-expired only releases lapsed claims')
    return { allExpired: true }
  }
  if (options.worker !== undefined) {
    if (options.worker.trim() === '') throw usageError('--worker needs a worker id (as `honker jobs list` shows it)')
    return { workerId: options.worker }
  }
  return { ids }
}

/**
 * `honker jobs release`: put claimed (processing) jobs back to pending, giving back the attempt
 * the claim counted (as a worker's own release on shutdown does), so another worker can take them
 * now rather than after the visibility timeout. A live claim's worker may still be running the
 * job: those need --force. With --id or --worker the selection is all or nothing: any id that is
 * not a processing job of the queue, or any live claim without --force, and nothing changes.
 */
export function jobsReleaseCommand(options: JobsReleaseOptions): number {
  const selection = requireSelection(options)
  const db = openHonker(options.db, { driver: cliDriver({ name: options.driver }) })
  try {
    const queue = db.queue(options.queue)
    const force = options.force === true
    const released = db.transaction(() => {
      if ('allExpired' in selection) return queue.releaseClaims().released
      const outcome = queue.releaseClaims('ids' in selection ? { ids: selection.ids, force } : { workerId: selection.workerId, force })
      if ('ids' in selection) {
        const found = new Set([...outcome.released, ...outcome.live.map((job) => job.id)])
        const missing = selection.ids.filter((id) => !found.has(id)).sort((a, b) => a - b)
        if (missing.length > 0) {
          throw new CliError('job_not_found', `no processing job ${missing.join(', ')} in queue ${options.queue}; nothing was changed`)
        }
      }
      if (outcome.live.length > 0) throw liveClaimError(options.queue, outcome.live)
      return outcome.released
    })
    if (options.json === true) printJson({ queue: options.queue, released })
    else if (released.length > 0) writeOut(`released ${released.length} job(s) back to queue ${options.queue} as pending: ${released.join(', ')}\n`)
    else if ('allExpired' in selection) writeOut(`no lapsed claims in queue ${options.queue}\n`)
    else writeOut(`no processing jobs of worker ${(selection as { workerId: string }).workerId} in queue ${options.queue}\n`)
    return EXIT_OK
  } finally {
    db.close()
  }
}

function liveClaimError(queue: string, live: JobInfo[]): CliError {
  const now = Math.floor(Date.now() / 1000)
  const ids = live.map((job) => job.id).sort((a, b) => a - b)
  const workers = [...new Set(live.map((job) => job.workerId ?? '?'))]
  const lastExpiry = Math.max(...live.map((job) => job.claimExpiresAt ?? now))
  return new CliError(
    'claim_live',
    `job(s) ${ids.join(', ')} of queue ${queue} have a live claim (worker ${workers.join(', ')}; expires in ${formatDuration(lastExpiry - now)}) ` +
      'and may still be running: pass --force to release them anyway; nothing was changed',
  )
}
