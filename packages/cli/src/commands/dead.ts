import type { DriverName, JobInfo } from '@honker/core'
import { cliDriver, openHonker } from '../database.ts'
import { CliError, EXIT_OK, usageError } from '../errors.ts'
import { formatDuration, formatTable, parseStored, printJson, truncate, writeOut } from '../output.ts'

export interface DeadListOptions {
  db: string
  driver?: DriverName
  queue: string
  limit: number
  afterId?: number
  json?: boolean
}

export interface DeadActionOptions {
  db: string
  driver?: DriverName
  queue: string
  id?: number[]
  all?: boolean
  json?: boolean
}

function deadJobJson(job: JobInfo): Record<string, unknown> {
  return {
    id: job.id,
    queue: job.queue,
    payload: parseStored(job.payloadText),
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    lastError: job.lastError,
    createdAt: job.createdAt,
    diedAt: job.diedAt,
  }
}

/** `honker dead list`: a page of the queue's dead jobs, oldest id first. */
export function deadListCommand(options: DeadListOptions): number {
  const db = openHonker(options.db, { driver: cliDriver({ name: options.driver }) })
  try {
    const dead = db.queue(options.queue).dead
    const jobs = dead.list({ limit: options.limit, ...(options.afterId === undefined ? {} : { afterId: options.afterId }) })
    if (options.json === true) {
      for (const job of jobs) printJson(deadJobJson(job))
      return EXIT_OK
    }
    const total = dead.count()
    if (jobs.length === 0) {
      writeOut(`no dead jobs in queue ${options.queue}${total > 0 ? ` after id ${options.afterId}` : ''}\n`)
      return EXIT_OK
    }
    const now = Math.floor(Date.now() / 1000)
    const table = formatTable(
      ['id', 'attempts', 'died', 'last error', 'payload'],
      jobs.map((job) => [
        job.id,
        `${job.attempts}/${job.maxAttempts}`,
        `${formatDuration(now - (job.diedAt ?? now))} ago`,
        truncate(job.lastError ?? '', 50),
        truncate(job.payloadText, 40),
      ]),
    )
    const more = total > jobs.length ? `\n${jobs.length} of ${total} shown; next page: --after-id ${jobs.at(-1)!.id}` : ''
    writeOut(`${table}${more}\n`)
    return EXIT_OK
  } finally {
    db.close()
  }
}

function requireSelection(options: DeadActionOptions): number[] | 'all' {
  const ids = [...new Set(options.id ?? [])]
  if (options.all === true && ids.length > 0) throw usageError('give either --id or --all, not both')
  if (options.all !== true && ids.length === 0) throw usageError('say which dead jobs: --id N [N ...] or --all')
  return options.all === true ? 'all' : ids
}

/**
 * `honker dead retry|delete`. With --id the whole set is one transaction: if any id is not a dead
 * job of the queue, nothing changes and the command fails with `job_not_found`, so a script never
 * half-redrives a list.
 */
export function deadActionCommand(action: 'retry' | 'delete', options: DeadActionOptions): number {
  const selection = requireSelection(options)
  const db = openHonker(options.db, { driver: cliDriver({ name: options.driver }) })
  try {
    const dead = db.queue(options.queue).dead
    const ids = db.transaction(() => {
      if (selection === 'all') return action === 'retry' ? dead.retryAll() : dead.deleteAll()
      const done = action === 'retry' ? dead.retry(selection) : dead.delete(selection)
      const found = new Set(done)
      const missing = selection.filter((id) => !found.has(id)).sort((a, b) => a - b)
      if (missing.length > 0) {
        throw new CliError(
          'job_not_found',
          `no dead job ${missing.join(', ')} in queue ${options.queue}; nothing was changed`,
        )
      }
      return done
    })
    const verb = action === 'retry' ? 'retried' : 'deleted'
    if (options.json === true) printJson({ queue: options.queue, [verb]: ids })
    else {
      const where = action === 'retry' ? `back to queue ${options.queue} as pending` : `from the dead letters of ${options.queue}`
      writeOut(
        ids.length === 0
          ? `no dead jobs in queue ${options.queue}\n`
          : `${verb} ${ids.length} job(s) ${where}: ${ids.join(', ')}\n`,
      )
    }
    return EXIT_OK
  } finally {
    db.close()
  }
}
