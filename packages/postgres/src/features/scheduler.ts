import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import {
  DEFAULT_MAX_ATTEMPTS,
  dueBoundaries,
  encodePayload,
  HonkerError,
  InvalidArgumentError,
  Lock,
  MAX_SECONDS,
  optionalInteger,
  optionalSignal,
  parseSchedule,
  requireInteger,
  requireName,
  type FiredJob,
  type ScheduledTask,
} from '@honker/core/engine'
import { SCHEDULER_LOCK_NAME, type ScheduleDefinition, type SchedulerRunnerEvents, type SchedulerRunOptions, type ScheduleUpdate } from '@honker/core'
import type { PgEngine } from '../engine.ts'
import { toHonkerError } from '../errors.ts'
import { wakeKey } from '../names.ts'
import type { PgQueryable } from '../pg.ts'
import { pgLockOps } from './coordination-ops.ts'
import { PgTransaction } from './transaction.ts'

export { SCHEDULER_LOCK_NAME }

interface TaskRow {
  name: string
  queue: string
  cron_expr: string
  payload: string
  priority: string
  expires_s: string | null
  next_fire_at: string
  enabled: string
  max_attempts: string
}

function toTask<Payload>(row: TaskRow): ScheduledTask<Payload> {
  let payload: unknown
  try {
    payload = JSON.parse(row.payload)
  } catch {
    payload = undefined
  }
  return {
    name: row.name,
    queue: row.queue,
    schedule: row.cron_expr,
    payload: payload as Payload,
    payloadText: row.payload,
    priority: Number(row.priority),
    expiresS: row.expires_s === null ? null : Number(row.expires_s),
    nextFireAt: Number(row.next_fire_at),
    enabled: Number(row.enabled) !== 0,
    maxAttempts: Number(row.max_attempts),
  }
}

const requireExpiresS = (value: unknown): number | null =>
  value === null ? null : requireInteger(value, 'expiresS', { min: 1, max: MAX_SECONDS })

/** Run `fn` in one transaction on one pooled connection. */
async function inTransaction<T>(engine: PgEngine, fn: (client: PgQueryable) => Promise<T>): Promise<T> {
  engine.assertOpen()
  let client
  try {
    client = await engine.pool.connect()
  } catch (error) {
    throw toHonkerError(error)
  }
  let lost = false
  try {
    await client.query({ text: 'BEGIN' })
    const result = await fn(client)
    await client.query({ text: 'COMMIT' })
    return result
  } catch (error) {
    const coded = toHonkerError(error)
    lost = HonkerError.isInstance(coded, 'connection_lost')
    if (!lost) await client.query({ text: 'ROLLBACK' }).catch(() => {})
    throw coded
  } finally {
    client.release(lost)
  }
}

/** The schedules on a PostgreSQL database: `@honker/core`'s Scheduler with promises. */
export class PgScheduler {
  readonly #engine: PgEngine
  /** The database this scheduler's transactions and leases belong to. */
  readonly #owner: object

  /** @internal Use `db.scheduler()`. */
  constructor(engine: PgEngine, owner: object) {
    this.#engine = engine
    this.#owner = owner
  }

  /** Create or redefine a task; the same definition again writes nothing (returns false). */
  async add<Payload = unknown>(definition: ScheduleDefinition<Payload>): Promise<boolean> {
    if (typeof definition !== 'object' || definition === null) {
      throw new InvalidArgumentError('definition', 'must be an object with name, queue and schedule')
    }
    const name = requireName(definition.name, 'name')
    const queue = requireName(definition.queue, 'queue')
    const schedule = parseSchedule(definition.schedule)
    const payload = encodePayload(definition.payload === undefined ? null : definition.payload, 'payload', this.#engine.maxPayloadBytes)
    const priority = optionalInteger(definition.priority, 'priority') ?? 0
    const expiresS = definition.expiresS === undefined ? null : requireExpiresS(definition.expiresS)
    const maxAttempts = definition.maxAttempts === undefined ? DEFAULT_MAX_ATTEMPTS : requireInteger(definition.maxAttempts, 'maxAttempts', { min: 1 })
    const c = this.#engine.coordination
    return inTransaction(this.#engine, async (client) => {
      const nextFireAt = schedule.nextAfter(await this.#nowS(client))
      const { rows } = await this.#engine.query<TaskRow>(c.lockTask, [name], client)
      const row = rows[0]
      if (
        row !== undefined &&
        row.queue === queue &&
        row.cron_expr === schedule.expression &&
        samePayload(row.payload, payload) &&
        Number(row.priority) === priority &&
        (row.expires_s === null ? null : Number(row.expires_s)) === expiresS &&
        Number(row.max_attempts) === maxAttempts
      ) {
        return false
      }
      await this.#engine.query(c.upsertTask, [name, queue, schedule.expression, payload, priority, expiresS, nextFireAt, maxAttempts], client)
      return true
    })
  }

  register<Payload = unknown>(definition: ScheduleDefinition<Payload>): Promise<boolean> {
    return this.add(definition)
  }

  async update<Payload = unknown>(name: string, changes: ScheduleUpdate<Payload>): Promise<boolean> {
    requireName(name, 'name')
    if (typeof changes !== 'object' || changes === null) throw new InvalidArgumentError('changes', 'must be an object')
    const schedule = changes.schedule === undefined ? undefined : parseSchedule(changes.schedule)
    const payload = changes.payload === undefined ? undefined : encodePayload(changes.payload, 'payload', this.#engine.maxPayloadBytes)
    const priority = optionalInteger(changes.priority, 'priority')
    const expiresS = changes.expiresS === undefined ? undefined : requireExpiresS(changes.expiresS)
    const maxAttempts =
      changes.maxAttempts === undefined
        ? undefined
        : changes.maxAttempts === null
          ? DEFAULT_MAX_ATTEMPTS
          : requireInteger(changes.maxAttempts, 'maxAttempts', { min: 1 })
    if ([schedule, payload, priority, expiresS, maxAttempts].every((value) => value === undefined)) return false
    const c = this.#engine.coordination
    return inTransaction(this.#engine, async (client) => {
      const { rows } = await this.#engine.query<TaskRow>(c.lockTask, [name], client)
      const row = rows[0]
      if (row === undefined) return false
      const changed = schedule !== undefined && schedule.expression !== row.cron_expr
      const next = changed ? schedule.nextAfter(await this.#nowS(client)) : Number(row.next_fire_at)
      await this.#engine.query(
        c.updateTask,
        [
          name,
          schedule?.expression ?? row.cron_expr,
          payload ?? row.payload,
          priority ?? Number(row.priority),
          expiresS === undefined ? row.expires_s : expiresS,
          maxAttempts ?? Number(row.max_attempts),
          next,
        ],
        client,
      )
      return true
    })
  }

  async remove(name: string): Promise<boolean> {
    requireName(name, 'name')
    return (await this.#engine.query(this.#engine.coordination.deleteTask, [name])).rowCount === 1
  }

  unregister(name: string): Promise<boolean> {
    return this.remove(name)
  }

  async pause(name: string): Promise<boolean> {
    requireName(name, 'name')
    return (await this.#engine.query(this.#engine.coordination.pauseTask, [name])).rowCount === 1
  }

  async resume(name: string): Promise<boolean> {
    requireName(name, 'name')
    return (await this.#engine.query(this.#engine.coordination.resumeTask, [name])).rowCount === 1
  }

  async get<Payload = unknown>(name: string): Promise<ScheduledTask<Payload> | null> {
    requireName(name, 'name')
    const { rows } = await this.#engine.query<TaskRow>(this.#engine.coordination.getTask, [name])
    return rows[0] === undefined ? null : toTask<Payload>(rows[0])
  }

  async list(): Promise<ScheduledTask[]> {
    const { rows } = await this.#engine.query<TaskRow>(this.#engine.coordination.listTasks, [])
    return rows.map((row) => toTask(row))
  }

  async soonest(): Promise<number | null> {
    const { rows } = await this.#engine.query<{ next_at: string | null }>(this.#engine.coordination.soonestTask, [])
    return rows[0]!.next_at === null ? null : Number(rows[0]!.next_at)
  }

  /**
   * Fire every enabled task due at `nowS` (default: the database's now) in one transaction: one
   * job per boundary up to 64 per task. Tasks are locked (`FOR UPDATE`), so two app servers
   * ticking at once fire each boundary once. With `lease`, nothing fires unless that owner
   * still holds the lease (the leader's fence); null then means leadership was lost.
   */
  async tick(nowS?: number, lease?: { lock: Lock<'async', PgTransaction> }): Promise<FiredJob[] | null> {
    const given = nowS === undefined ? undefined : requireInteger(nowS, 'nowS')
    const { coordination: c, jobs } = this.#engine
    return inTransaction(this.#engine, async (client) => {
      if (lease !== undefined) {
        const fence = await this.#engine.query(c.fenceLease, [lease.lock.name, lease.lock.owner], client)
        if (fence.rows.length === 0) return null
        const tx = new PgTransaction(client, this.#owner)
        try {
          if (!(await lease.lock.renewIn(tx))) return null
        } finally {
          tx.end()
        }
      }
      const now = given ?? (await this.#nowS(client))
      const fired: FiredJob[] = []
      const { rows } = await this.#engine.query<TaskRow>(c.dueTasks, [now], client)
      for (const task of rows) {
        let schedule
        try {
          schedule = parseSchedule(task.cron_expr)
        } catch (error) {
          throw new HonkerError('invalid_cron', `task ${JSON.stringify(task.name)}: ${(error as Error).message}`, { cause: error })
        }
        const { fireAt: boundaries, next } = dueBoundaries(schedule, Number(task.next_fire_at), now)
        if (boundaries.length > 0) {
          // The task's stored text as it is (another binding's spacing is kept), run now.
          const inserted = await this.#engine.query<{ ids: string[] }>(
            jobs.insert,
            [task.queue, boundaries.map(() => task.payload), task.priority, null, null, task.max_attempts, task.expires_s, wakeKey('q', task.queue)],
            client,
          )
          boundaries.forEach((fireAt, i) => fired.push({ name: task.name, queue: task.queue, fireAt, jobId: Number(inserted.rows[0]!.ids[i]) }))
        }
        await this.#engine.query(c.setNextFire, [task.name, next], client)
      }
      return fired
    })
  }

  /** The leader loop: one process across every app server ticks; the others stand by. */
  run(options: SchedulerRunOptions = {}): PgSchedulerRunner {
    return new PgSchedulerRunner(this.#engine, this.#owner, this, options)
  }

  async #nowS(client: PgQueryable): Promise<number> {
    const { rows } = await this.#engine.query<{ now: string }>(this.#engine.coordination.now, [], client)
    return Number(rows[0]!.now)
  }
}

function samePayload(stored: string, encoded: string): boolean {
  if (stored === encoded) return true
  try {
    return JSON.stringify(JSON.parse(stored)) === encoded
  } catch {
    return false
  }
}

const ERROR_RETRY_MS = 1000

/**
 * The scheduler's leader loop on PostgreSQL: the `honker-scheduler` lease on the database's clock,
 * each tick fenced by it in the tick's own transaction, and a NOTIFY on release so a standby takes
 * over at once after a clean stop (else when the lease lapses).
 */
export class PgSchedulerRunner extends EventEmitter<SchedulerRunnerEvents> {
  readonly owner: string
  readonly done: Promise<void>
  readonly #engine: PgEngine
  readonly #scheduler: PgScheduler
  readonly #lock: Lock<'async', PgTransaction>
  readonly #renewIntervalMs: number
  readonly #standbyRetryMs: number
  readonly #abort = new AbortController()
  #leader = false
  #standbyAnnounced = false
  #renewDue = 0
  #stopping = false

  /** @internal */
  constructor(engine: PgEngine, owner: object, scheduler: PgScheduler, options: SchedulerRunOptions) {
    super()
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an options object')
    this.owner = options.owner === undefined ? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` : requireName(options.owner, 'owner')
    const ttlS = optionalInteger(options.lockTtlS, 'lockTtlS', { min: 2, max: 86_400 }) ?? 60
    this.#standbyRetryMs = (optionalInteger(options.standbyRetryS, 'standbyRetryS', { min: 1, max: 86_400 }) ?? 5) * 1000
    this.#renewIntervalMs = Math.max(1, Math.floor((ttlS * 1000) / 3))
    const signal = optionalSignal(options.signal, 'signal')
    this.#engine = engine
    this.#scheduler = scheduler
    this.#lock = new Lock(pgLockOps(engine, owner), SCHEDULER_LOCK_NAME, { ttlS, owner: this.owner })
    this.done = this.#loop()
    this.done.catch(() => {})
    if (signal !== undefined) {
      if (signal.aborted) void this.stop()
      else signal.addEventListener('abort', () => void this.stop(), { once: true })
    }
  }

  get isLeader(): boolean {
    return this.#leader
  }

  stop(): Promise<void> {
    this.#stopping = true
    this.#abort.abort()
    return this.done.catch(() => {})
  }

  async #loop(): Promise<void> {
    const subscription = this.#engine.wake.subscribe([wakeKey('l', SCHEDULER_LOCK_NAME), 'scheduler'])
    let failure: unknown = null
    try {
      await Promise.resolve()
      while (!this.#stopping) {
        let timeoutMs: number
        try {
          timeoutMs = this.#leader ? await this.#lead() : await this.#standBy()
        } catch (error) {
          if (HonkerError.isInstance(error, 'closed')) throw error
          this.emit('scheduler:error', error)
          timeoutMs = ERROR_RETRY_MS
        }
        if ((await subscription.wait({ timeoutMs, signal: this.#abort.signal })) === 'aborted') break
      }
    } catch (error) {
      if (!this.#stopping) failure = error
    } finally {
      subscription.close()
      if (this.#leader) {
        this.#leader = false
        await this.#lock.release().catch(() => false)
      }
    }
    this.emit('scheduler:stopped', failure)
    if (failure !== null) throw failure
  }

  async #lead(): Promise<number> {
    let soonest = await this.#scheduler.soonest()
    let nowMs = await this.#engine.nowMs()
    if (performance.now() >= this.#renewDue || (soonest !== null && soonest * 1000 <= nowMs)) {
      const fired = await this.#scheduler.tick(undefined, { lock: this.#lock })
      if (fired === null) {
        this.#leader = false
        this.#standbyAnnounced = false
        this.emit('leader:lost')
        return 0
      }
      this.#renewDue = performance.now() + this.#renewIntervalMs
      for (const job of fired) this.emit('task:fired', job)
      soonest = await this.#scheduler.soonest()
      nowMs = await this.#engine.nowMs()
    }
    // A boundary is due once the database's clock reaches its whole second.
    const untilFire = soonest === null ? Infinity : soonest * 1000 - nowMs
    return Math.max(0, Math.min(this.#renewDue - performance.now(), untilFire))
  }

  async #standBy(): Promise<number> {
    if (await this.#lock.acquire()) {
      this.#leader = true
      this.#renewDue = 0
      this.emit('leader:acquired')
      return 0
    }
    if (!this.#standbyAnnounced) {
      this.#standbyAnnounced = true
      this.emit('scheduler:standby')
    }
    const holder = await this.#lock.peek()
    const untilFree = holder === null ? 0 : holder.expiresAt * 1000 - (await this.#engine.nowMs())
    return Math.max(0, Math.min(this.#standbyRetryMs, untilFree))
  }
}
