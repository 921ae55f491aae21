/**
 * @module scheduler
 *
 * Periodic jobs stored in `_honker_scheduler_tasks`, shared with every honker binding: a task is a
 * schedule expression plus the job to enqueue at each boundary. `tick()` fires what is due;
 * `run()` is the leader loop that ticks on time in exactly one process at a time.
 *
 * Improvements over honker 0.5 (docs/compatibility.md 8.4), compatible on the shared table:
 * - Registering the same definition again (a schedule declared at every process start) leaves
 *   `next_fire_at` alone, so it neither drops pending catch-up nor pushes `@every` schedules out.
 *   Only a changed definition recomputes it; `update` recomputes only when the expression changes.
 * - `maxAttempts` below 1 is rejected (`invalid_argument`) instead of clamped to 1: a 0 is a typo.
 */
import type { ScheduleOps } from '../engine/schedule-ops.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { mapResult, settle, type Mode, type Result } from '../executor/executor.ts'
import { toNumber } from '../queue/job-row.ts'
import { DEFAULT_MAX_ATTEMPTS } from '../queue/enqueue.ts'
import { encodePayload } from '../payload.ts'
import type { Transaction } from '../transaction.ts'
import { MAX_SECONDS, optionalInteger, requireInteger, requireName } from '../validate.ts'
import { parseSchedule, type Schedule } from './cron.ts'
import { SchedulerRunner, type SchedulerRunOptions } from './scheduler-runner.ts'
import { taskRowToTask, type ScheduledTask, type TaskRow, type TaskValues } from './task-row.ts'
import type { FiredJob } from './tick.ts'

/** A schedule to register. */
export interface ScheduleDefinition<Payload = unknown> {
  /** Unique task name; registering it again redefines the task. */
  name: string
  /** The queue fired jobs go to. */
  queue: string
  /** 5 or 6 cron fields (local time) or `@every <n><s|m|h|d>`; see `nextAfter`. */
  schedule: string
  /** Every fired job's payload (stored as JSON text). Default null. */
  payload?: Payload
  /** Fired jobs' priority. Default 0. */
  priority?: number
  /** Fired jobs expire this many seconds after they are enqueued. Default null: never. */
  expiresS?: number | null
  /** Fired jobs' executions before dead-lettering. Default 3. */
  maxAttempts?: number
}

/** Fields to change with `update`; omitted (or undefined) fields stay as they are. */
export interface ScheduleUpdate<Payload = unknown> {
  schedule?: string
  payload?: Payload
  priority?: number
  /** null clears it (fired jobs never expire). */
  expiresS?: number | null
  /** null resets it to the default 3. */
  maxAttempts?: number | null
}


function requireExpiresS(value: unknown): number | null {
  return value === null ? null : requireInteger(value, 'expiresS', { min: 1, max: MAX_SECONDS })
}

function requireMaxAttempts(value: unknown): number {
  return requireInteger(value, 'maxAttempts', { min: 1 })
}

/** Same JSON value, whatever spacing another binding used (Python writes `{"a": 1}`). */
function samePayload(stored: string, encoded: string): boolean {
  if (stored === encoded) return true
  try {
    return JSON.stringify(JSON.parse(stored)) === encoded
  } catch {
    return false
  }
}

interface Definition {
  name: string
  queue: string
  schedule: Schedule
  payload: string
  priority: number
  expiresS: number | null
  maxAttempts: number
}

function sameDefinition(row: TaskRow, definition: Definition): boolean {
  const expires = row.expires_s === null ? null : toNumber(row.expires_s)
  return (
    row.queue === definition.queue &&
    row.cron_expr === definition.schedule.expression &&
    samePayload(row.payload, definition.payload) &&
    toNumber(row.priority) === definition.priority &&
    expires === definition.expiresS &&
    toNumber(row.max_attempts) === definition.maxAttempts
  )
}

function taskValues(definition: Definition, nextFireAt: number): TaskValues {
  return {
    name: definition.name,
    queue: definition.queue,
    cron_expr: definition.schedule.expression,
    payload: definition.payload,
    priority: definition.priority,
    expires_s: definition.expiresS,
    next_fire_at: nextFireAt,
    max_attempts: definition.maxAttempts,
  }
}

/**
 * The schedules on this database. Holds no state of its own: every call reads and writes the
 * table, so schedules registered by other processes or bindings are visible at once. One class
 * for every engine: on PostgreSQL each method returns a promise, and times are the server's.
 */
export class Scheduler<M extends Mode = 'sync', Tx = Transaction> {
  readonly #ops: ScheduleOps<M, Tx>

  /** @internal Use `db.scheduler()`. */
  constructor(ops: ScheduleOps<M, Tx>) {
    this.#ops = ops
  }

  /**
   * Register (create or redefine) a task by name; returns true if anything was written. Calling it
   * again with the same definition is a no-op, so declaring schedules at every start is safe: the
   * pending boundary (and any catch-up) is kept. A changed definition restarts the schedule from
   * now. A paused task stays paused. Throws `invalid_cron` for a bad expression, writing nothing.
   *
   * ```ts
   * const scheduler = db.scheduler()
   * scheduler.add({ name: 'nightly-report', queue: 'reports', schedule: '0 3 * * *', payload: { kind: 'daily' } })
   * scheduler.add({ name: 'heartbeat', queue: 'pings', schedule: '@every 30s' })
   * ```
   */
  add<Payload = unknown>(definition: ScheduleDefinition<Payload>): Result<M, boolean> {
    return settle(this.#ops.mode, () => {
      if (typeof definition !== 'object' || definition === null) {
        throw new InvalidArgumentError('definition', 'must be an object with name, queue and schedule')
      }
      const parsed: Definition = {
        name: requireName(definition.name, 'name'),
        queue: requireName(definition.queue, 'queue'),
        schedule: parseSchedule(definition.schedule),
        payload: encodePayload(definition.payload === undefined ? null : definition.payload, 'payload', this.#ops.maxPayloadBytes),
        priority: optionalInteger(definition.priority, 'priority') ?? 0,
        expiresS: definition.expiresS === undefined ? null : requireExpiresS(definition.expiresS),
        maxAttempts: definition.maxAttempts === undefined ? DEFAULT_MAX_ATTEMPTS : requireMaxAttempts(definition.maxAttempts),
      }
      return this.#ops.editTask(parsed.name, (existing, nowS) => {
        // Evaluated before anything is written: an expression that never matches is rejected here.
        const nextFireAt = parsed.schedule.nextAfter(nowS)
        return existing !== undefined && sameDefinition(existing, parsed) ? null : taskValues(parsed, nextFireAt)
      })
    })
  }

  /** Same as `add` (honker's SQL name, `honker_scheduler_register`). */
  register<Payload = unknown>(definition: ScheduleDefinition<Payload>): Result<M, boolean> {
    return this.add(definition)
  }

  /**
   * Change some fields of a task; false if there is no such task or nothing was given. A new
   * expression restarts the schedule from now; the other fields apply from the next fire.
   *
   * ```ts
   * scheduler.update('nightly-report', { schedule: '30 3 * * *', expiresS: null })
   * ```
   */
  update<Payload = unknown>(name: string, changes: ScheduleUpdate<Payload>): Result<M, boolean> {
    return settle(this.#ops.mode, () => {
      requireName(name, 'name')
      if (typeof changes !== 'object' || changes === null) throw new InvalidArgumentError('changes', 'must be an object')
      const schedule = changes.schedule === undefined ? undefined : parseSchedule(changes.schedule)
      const payload =
        changes.payload === undefined ? undefined : encodePayload(changes.payload, 'payload', this.#ops.maxPayloadBytes)
      const priority = optionalInteger(changes.priority, 'priority')
      const expiresS = changes.expiresS === undefined ? undefined : requireExpiresS(changes.expiresS)
      const maxAttempts =
        changes.maxAttempts === undefined
          ? undefined
          : changes.maxAttempts === null
            ? DEFAULT_MAX_ATTEMPTS
            : requireMaxAttempts(changes.maxAttempts)
      if ([schedule, payload, priority, expiresS, maxAttempts].every((value) => value === undefined)) {
        return false as Result<M, boolean>
      }
      return this.#ops.editTask(name, (row, nowS) => {
        if (row === undefined) return null
        const expressionChanged = schedule !== undefined && schedule.expression !== row.cron_expr
        return {
          name,
          queue: row.queue,
          cron_expr: schedule?.expression ?? row.cron_expr,
          payload: payload ?? row.payload,
          priority: priority ?? toNumber(row.priority),
          expires_s: expiresS === undefined ? (row.expires_s === null ? null : toNumber(row.expires_s)) : expiresS,
          max_attempts: maxAttempts ?? toNumber(row.max_attempts),
          next_fire_at: expressionChanged ? schedule.nextAfter(nowS) : toNumber(row.next_fire_at),
        }
      })
    })
  }

  /**
   * Delete a task; true if it existed. Jobs it already enqueued stay in their queue.
   *
   * ```ts
   * scheduler.remove('heartbeat')
   * ```
   */
  remove(name: string): Result<M, boolean> {
    return settle(this.#ops.mode, () => this.#ops.remove(requireName(name, 'name')))
  }

  /** Same as `remove` (honker's SQL name, `honker_scheduler_unregister`). */
  unregister(name: string): Result<M, boolean> {
    return this.remove(name)
  }

  /**
   * Stop firing a task; false if it is missing or already paused. Its next boundary is kept, so
   * `resume` fires the boundaries missed meanwhile (up to 64) on the next tick.
   *
   * ```ts
   * scheduler.pause('nightly-report')
   * ```
   */
  pause(name: string): Result<M, boolean> {
    return settle(this.#ops.mode, () => this.#ops.setEnabled(requireName(name, 'name'), false))
  }

  /**
   * Fire a paused task again; false if it is missing or not paused.
   *
   * ```ts
   * scheduler.resume('nightly-report')
   * ```
   */
  resume(name: string): Result<M, boolean> {
    return settle(this.#ops.mode, () => this.#ops.setEnabled(requireName(name, 'name'), true))
  }

  /**
   * One task, or null.
   *
   * ```ts
   * const next = scheduler.get('nightly-report')?.nextFireAt
   * ```
   */
  get<Payload = unknown>(name: string): Result<M, ScheduledTask<Payload> | null> {
    return settle(this.#ops.mode, () =>
      mapResult(this.#ops.get(requireName(name, 'name')), (row) => (row === undefined ? null : taskRowToTask<Payload>(row))),
    )
  }

  /**
   * Every task, ordered by name.
   *
   * ```ts
   * for (const task of scheduler.list()) console.log(task.name, task.schedule, new Date(task.nextFireAt * 1000))
   * ```
   */
  list(): Result<M, ScheduledTask[]> {
    return settle(this.#ops.mode, () => mapResult(this.#ops.list(), (rows) => rows.map((row) => taskRowToTask(row))))
  }

  /**
   * The earliest next boundary over enabled tasks (unix seconds), or null when none is enabled.
   *
   * ```ts
   * const due = scheduler.soonest()
   * ```
   */
  soonest(): Result<M, number | null> {
    return settle(this.#ops.mode, () => this.#ops.soonest())
  }

  /**
   * Fire every enabled task due at `nowS` (default: now) in one write transaction and return the
   * jobs enqueued: one per missed boundary, at most 64 per task (the rest are skipped). Safe to
   * call from several processes at once: each boundary fires exactly once. Usually `run()` calls it.
   *
   * ```ts
   * for (const fired of scheduler.tick()) console.log(fired.name, fired.fireAt, fired.jobId)
   * ```
   */
  tick(nowS?: number): Result<M, FiredJob[]> {
    return settle(this.#ops.mode, () => {
      const now = nowS === undefined ? undefined : requireInteger(nowS, 'nowS')
      // Without a lease to fence on, a tick always fires.
      return this.#ops.tick(now) as Result<M, FiredJob[]>
    })
  }

  /**
   * Run the scheduler: the process holding the `honker-scheduler` lock ticks on time; the others
   * stand by and take over within the lock's TTL if the leader dies. Run it in every process that
   * should be able to schedule; stop it with `signal` or `stop()`.
   *
   * ```ts
   * const runner = db.scheduler().run({ signal })
   * runner.on('task:fired', (job) => log.info('fired', job))
   * await runner.done
   * ```
   */
  run(options: SchedulerRunOptions = {}): SchedulerRunner<M, Tx> {
    return new SchedulerRunner<M, Tx>(this.#ops, options)
  }
}
