import { HonkerError } from '../errors/honker-error.ts'
import type { Host } from '../host.ts'
import { INSERT_JOB } from '../queue/queue.sql.ts'
import { toNullableNumber, toNumber } from '../queue/job-row.ts'
import { parseSchedule, type Schedule } from './cron.ts'
import { DUE_TASKS, SET_NEXT_FIRE } from './scheduler.sql.ts'
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

/**
 * Fire every enabled task due at `now`, in one write transaction: one job per boundary up to the
 * cap, then persist the next boundary. Running it inside the transaction is what makes concurrent
 * tickers (other processes, other bindings) fire each boundary exactly once: the second one sees
 * next_fire_at already past `now`.
 *
 * Jobs are inserted with the task's stored text and numbers as they are, rather than through
 * `enqueueWith`: the payload is already JSON text (re-encoding would rewrite another binding's
 * text) and honker allows an `expires_s` that `enqueue` rejects. Like honker, jobs run at the real
 * current time whatever `now` says, so they are claimable at once.
 * @internal
 */
export function tickTasks(host: Host, now: number): FiredJob[] {
  return host.write(() => {
    const { executor } = host
    const realNow = host.nowS()
    const fired: FiredJob[] = []
    for (const task of executor.all<TaskRow>(DUE_TASKS, DUE_TASKS.bind({ now }))) {
      let schedule
      try {
        schedule = parseSchedule(task.cron_expr)
      } catch (error) {
        // Only a row written around register's validation (raw SQL) gets here: name the task.
        throw new HonkerError('invalid_cron', `task ${JSON.stringify(task.name)}: ${(error as Error).message}`, { cause: error })
      }
      const expiresS = toNullableNumber(task.expires_s)
      const { fireAt, next } = dueBoundaries(schedule, toNumber(task.next_fire_at), now)
      for (const boundary of fireAt) {
        const [row] = executor.all<{ id: number | bigint }>(
          INSERT_JOB,
          INSERT_JOB.bind({
            queue: task.queue,
            payload: task.payload,
            priority: task.priority,
            run_at: realNow,
            max_attempts: task.max_attempts,
            now: realNow,
            expires_at: expiresS === null ? null : realNow + expiresS,
          }),
        )
        fired.push({ name: task.name, queue: task.queue, fireAt: boundary, jobId: toNumber(row!.id) })
      }
      executor.run(SET_NEXT_FIRE, SET_NEXT_FIRE.bind({ name: task.name, next_fire_at: next }))
    }
    return fired
  })
}
