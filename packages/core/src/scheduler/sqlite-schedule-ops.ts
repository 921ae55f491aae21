import type { ScheduleOps } from '../engine/schedule-ops.ts'
import type { Host } from '../host.ts'
import { sqliteLockOps } from '../lock/sqlite-lock-ops.ts'
import { toNullableNumber, toNumber } from '../queue/job-row.ts'
import { INSERT_JOB } from '../queue/queue.sql.ts'
import type { Transaction } from '../transaction.ts'
import {
  DELETE_TASK,
  DUE_TASKS,
  GET_TASK,
  LIST_TASKS,
  PAUSE_TASK,
  RESUME_TASK,
  SET_NEXT_FIRE,
  SOONEST_FIRE,
  UPSERT_TASK,
} from './scheduler.sql.ts'
import type { TaskRow } from './task-row.ts'
import { planTick, type FiredJob } from './tick.ts'

/**
 * Schedules on SQLite. No statement writes a notification: a task write advances `data_version`,
 * which is what wakes a sleeping leader (any commit wakes it).
 */
export function sqliteScheduleOps(host: Host): ScheduleOps<'sync', Transaction> {
  // Host fields are read on each call: the Database builds its operations before its connection.
  const read = (): void => host.assertOpen()
  return {
    mode: 'sync',
    locks: sqliteLockOps(host),
    get maxPayloadBytes() {
      return host.maxPayloadBytes
    },
    editTask: (name, edit) =>
      host.write(() => {
        const values = edit(host.executor.get<TaskRow>(GET_TASK, GET_TASK.bind({ name })), host.nowS())
        if (values === null) return false
        host.executor.run(UPSERT_TASK, UPSERT_TASK.bind({ ...values }))
        return true
      }),
    remove: (name) => host.write(() => host.executor.run(DELETE_TASK, DELETE_TASK.bind({ name })).changes === 1),
    setEnabled(name, enabled) {
      const statement = enabled ? RESUME_TASK : PAUSE_TASK
      return host.write(() => host.executor.run(statement, statement.bind({ name })).changes === 1)
    },
    get(name) {
      read()
      return host.executor.get<TaskRow>(GET_TASK, GET_TASK.bind({ name }))
    },
    list() {
      read()
      return host.executor.all<TaskRow>(LIST_TASKS, [])
    },
    soonest() {
      read()
      const row = host.executor.get<{ next_at: number | bigint | null }>(SOONEST_FIRE, [])
      return row?.next_at == null ? null : toNumber(row.next_at)
    },
    tick: (nowS, lease) => host.write(() => (lease === undefined || lease.renew() ? tickTasks(host, nowS ?? host.nowS()) : null)),
    nowMs: () => host.nowMs(),
    subscribe() {
      read()
      return host.subscribe()
    },
  }
}

/**
 * Fire what is due at `now` inside the caller's write transaction. Jobs are inserted with the
 * task's stored text and numbers as they are, rather than through `enqueueWith`: the payload is
 * already JSON text (re-encoding would rewrite another binding's text) and honker allows an
 * `expires_s` that `enqueue` rejects. Like honker, jobs run at the real current time whatever
 * `now` says, so they are claimable at once.
 */
function tickTasks(host: Host, now: number): FiredJob[] {
  const { executor } = host
  const realNow = host.nowS()
  const fired: FiredJob[] = []
  for (const { task, fireAt, next } of planTick(executor.all<TaskRow>(DUE_TASKS, DUE_TASKS.bind({ now })), now)) {
    const expiresS = toNullableNumber(task.expires_s)
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
}
