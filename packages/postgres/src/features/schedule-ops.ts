import { SCHEDULER_LOCK_NAME } from '@honker/core'
import { planTick, type FiredJob, type ScheduleOps, type TaskRow } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { TASKS_WAKE_KEY, wakeKey } from '../names.ts'
import type { PgQueryable } from '../pg.ts'
import { pgLockOps } from './coordination-ops.ts'
import { runTransaction, type PgTransaction } from './transaction.ts'

/**
 * Schedules on PostgreSQL for core's `Scheduler` and `SchedulerRunner`. Every time is the
 * server's. Edits and ticks lock the task rows they touch (`FOR UPDATE`), so two app servers
 * editing or ticking at once apply each change and fire each boundary once.
 */
export function pgScheduleOps(engine: PgEngine, owner: object): ScheduleOps<'async', PgTransaction> {
  const c = engine.coordination
  const nowS = async (client: PgQueryable): Promise<number> => Number((await engine.query<{ now: string }>(c.now, [], client)).rows[0]!.now)
  return {
    mode: 'async',
    locks: pgLockOps(engine, owner),
    maxPayloadBytes: engine.maxPayloadBytes,
    editTask: (name, edit) =>
      runTransaction(engine, owner, async (tx) => {
        const client = tx.runnerFor(owner)
        const now = await nowS(client)
        const { rows } = await engine.query<TaskRow>(c.lockTask, [name], client)
        const values = edit(rows[0], now)
        if (values === null) return false
        const { queue, cron_expr, payload, priority, expires_s, next_fire_at, max_attempts } = values
        await engine.query(c.upsertTask, [name, queue, cron_expr, payload, priority, expires_s, next_fire_at, max_attempts, TASKS_WAKE_KEY], client)
        return true
      }),
    async remove(name) {
      return (await engine.query(c.deleteTask, [name])).rowCount === 1
    },
    async setEnabled(name, enabled) {
      const result = enabled ? await engine.query(c.resumeTask, [name, TASKS_WAKE_KEY]) : await engine.query(c.pauseTask, [name])
      return result.rowCount === 1
    },
    async get(name) {
      return (await engine.query<TaskRow>(c.getTask, [name])).rows[0]
    },
    async list() {
      return (await engine.query<TaskRow>(c.listTasks, [])).rows
    },
    async soonest() {
      const { rows } = await engine.query<{ next_at: string | null }>(c.soonestTask, [])
      return rows[0]!.next_at === null ? null : Number(rows[0]!.next_at)
    },
    tick: (given, lease) =>
      runTransaction(engine, owner, async (tx): Promise<FiredJob[] | null> => {
        const client = tx.runnerFor(owner)
        if (lease !== undefined) {
          // The fence: the lease row stays locked until this tick commits, so no successor can
          // take it over between the check and the jobs.
          if ((await engine.query(c.fenceLease, [lease.name, lease.owner], client)).rows.length === 0) return null
          if (!(await lease.renewIn(tx))) return null
        }
        const now = given ?? (await nowS(client))
        const fired: FiredJob[] = []
        const { rows } = await engine.query<TaskRow>(c.dueTasks, [now], client)
        for (const { task, fireAt, next } of planTick(rows, now)) {
          if (fireAt.length > 0) {
            // The task's stored text as it is (another binding's spacing is kept), run now.
            const inserted = await engine.query<{ ids: string[] }>(
              engine.jobs.insert,
              [task.queue, fireAt.map(() => task.payload), task.priority, null, null, task.max_attempts, task.expires_s, wakeKey('q', task.queue), null],
              client,
            )
            fireAt.forEach((boundary, i) => fired.push({ name: task.name, queue: task.queue, fireAt: boundary, jobId: Number(inserted.rows[0]!.ids[i]) }))
          }
          await engine.query(c.setNextFire, [task.name, next], client)
        }
        return fired
      }),
    nowMs: () => engine.nowMs(),
    subscribe: () => engine.wake.subscribe([wakeKey('l', SCHEDULER_LOCK_NAME), TASKS_WAKE_KEY]),
  }
}
