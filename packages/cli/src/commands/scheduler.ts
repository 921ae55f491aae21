import type { DriverName, FiredJob } from '@honker/core'
import { cliDriver, openHonker } from '../database.ts'
import { describeError, EXIT_OK, outputClosedError } from '../errors.ts'
import { formatLocalTime, printJson, stdoutFailure, writeOut } from '../output.ts'
import { listenForShutdown } from '../shutdown.ts'

export interface SchedulerRunOptions {
  db: string
  driver?: DriverName
  owner?: string
  lockTtl?: number
  json?: boolean
  create?: boolean
}

/**
 * `honker scheduler run`: the scheduler's leader loop. Run it in as many processes as you like:
 * one holds the `honker-scheduler` lock and fires due tasks, the others stand by and take over if
 * it dies. Prints what it fires until SIGINT/SIGTERM (the lock is released on the way out). A
 * closed stdout (EPIPE) stops it the same way, then it exits with `output_closed`.
 */
export async function schedulerRunCommand(options: SchedulerRunOptions): Promise<number> {
  const db = openHonker(options.db, { driver: cliDriver({ name: options.driver }), createFlag: true, create: options.create === true })
  const shutdown = listenForShutdown()
  const json = options.json === true || process.stdout.isTTY !== true
  const say = (event: string, fields: Record<string, unknown>, text: string): void => {
    if (json) printJson({ event, time: new Date().toISOString(), ...fields })
    else writeOut(`${text}\n`)
  }
  try {
    const scheduler = db.scheduler()
    const runner = scheduler.run({
      signal: shutdown.signal,
      ...(options.owner === undefined ? {} : { owner: options.owner }),
      ...(options.lockTtl === undefined ? {} : { lockTtlS: options.lockTtl }),
    })
    const tasks = scheduler.list()
    say('scheduler:started', { owner: runner.owner, tasks: tasks.length, pid: process.pid },
      `honker scheduler: ${tasks.length} task(s), owner ${runner.owner}. Ctrl-C stops.`)
    runner.on('leader:acquired', () => say('leader:acquired', { owner: runner.owner }, 'leader: this process fires the schedules'))
    runner.on('scheduler:standby', () => say('scheduler:standby', {}, 'standby: another process is the leader'))
    runner.on('leader:lost', () => say('leader:lost', {}, 'leadership lost (this process was paused past the lease); standing by'))
    runner.on('task:fired', (fired: FiredJob) =>
      say('task:fired', { ...fired }, `fired ${fired.name} -> queue ${fired.queue}, job ${fired.jobId} (boundary ${formatLocalTime(fired.fireAt)})`),
    )
    runner.on('scheduler:error', (error) => {
      const { code, message } = describeError(error)
      say('scheduler:error', { code, error: message }, `scheduler error (recovered): ${message} (${code})`)
    })
    // The runner stops itself on the signal (releasing the lock); a fatal error rejects here.
    await runner.done
    say('scheduler:stopped', {}, 'scheduler stopped')
  } finally {
    shutdown.dispose()
    db.close()
  }
  const failed = stdoutFailure()
  if (failed !== null) throw outputClosedError(failed, 'the scheduler stopped')
  return EXIT_OK
}
