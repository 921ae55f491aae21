import { HonkerError } from '../errors/honker-error.ts'
import { toNumber } from '../queue/job-row.ts'
import { parseSchedule, type Schedule } from './cron.ts'
import type { TaskRow } from './task-row.ts'

/**
 * Most boundaries one task fires per tick. After an outage an `@every 1s` task would otherwise
 * enqueue one job per missed second in a single transaction (pitfall 8.3.6); honker's value, kept
 * so every binding ticking the file behaves the same.
 */
export const CATCH_UP_CAP = 64

/**
 * The boundaries a task fires on a tick at `now`, from its stored `nextFireAt`, capped at
 * CATCH_UP_CAP (the rest are skipped), and its next boundary after them. Every engine's tick uses it.
 */
export function dueBoundaries(schedule: Schedule, nextFireAt: number, now: number): { fireAt: number[]; next: number } {
  const fireAt: number[] = []
  let next = nextFireAt
  while (next <= now) {
    if (fireAt.length === CATCH_UP_CAP) return { fireAt, next: schedule.nextAfter(now) }
    fireAt.push(next)
    next = schedule.nextAfter(next)
  }
  return { fireAt, next }
}

/** One job a tick enqueued. */
export interface FiredJob {
  /** The task's name. */
  name: string
  queue: string
  /** The boundary (unix second) this job stands for. */
  fireAt: number
  jobId: number
}

/** What one due task fires on a tick: a job per boundary, then `next` as its stored next boundary. */
export interface TaskFiring {
  task: TaskRow
  fireAt: number[]
  next: number
}

/**
 * What a tick at `now` fires for each due task (every engine's tick runs this inside its write
 * transaction, so concurrent tickers fire each boundary once: the second sees next_fire_at past
 * `now`). A stored expression that does not parse fails the tick with `invalid_cron`, naming the
 * task: only a row written around register's validation (raw SQL) gets there.
 */
export function planTick(tasks: readonly TaskRow[], now: number): TaskFiring[] {
  return tasks.map((task) => {
    let schedule
    try {
      schedule = parseSchedule(task.cron_expr)
    } catch (error) {
      throw new HonkerError('invalid_cron', `task ${JSON.stringify(task.name)}: ${(error as Error).message}`, { cause: error })
    }
    const { fireAt, next } = dueBoundaries(schedule, toNumber(task.next_fire_at), now)
    return { task, fireAt, next }
  })
}
