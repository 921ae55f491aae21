import { InvalidArgumentError, requireObject } from '@honker/core/engine'
import type { Database as SqliteDatabase } from '@honker/core'
import type { PgDatabase } from './database.ts'

/** What `copyFromSqlite` copied, table by table. */
export interface CopyReport {
  jobs: number
  deadJobs: number
  events: number
  consumers: number
  schedules: number
  results: number
  /** Queues with settings (pause, limits, history, events). */
  queueSettings: number
  /** Finished jobs kept by queues with history. */
  history: number
}

const LIVE = `id, queue, payload, state, priority, run_at, worker_id, claim_expires_at, attempts, max_attempts, created_at, expires_at, unique_key, group_key, progress, trace_context`
const QUEUES = `queue, paused, concurrency, group_concurrency, keep_completed_s, keep_completed_count, keep_failed_s, keep_failed_count, events`
const HISTORY = `id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, finished_at, last_error, result, progress, unique_key, group_key, trace_context`
const DEAD = `id, queue, payload, priority, run_at, attempts, max_attempts, last_error, created_at, died_at`
const TASKS = `name, queue, cron_expr, payload, priority, expires_s, next_fire_at, enabled, max_attempts`

type Row = Record<string, unknown>

/**
 * Move an app's Honker data from its SQLite file to PostgreSQL, in ONE Postgres transaction:
 * live jobs (a job claimed on SQLite goes back to pending, its interrupted attempt not counted),
 * dead letters, stream events with their offsets, consumers' saved offsets, schedules and
 * unexpired results, queue settings and job history, all under their SQLite ids, after which new
 * ids continue past them. Notifications, job events, locks and rate-limit windows are transient
 * and stay behind. Stop the SQLite
 * workers first; the target schema must hold no jobs or events yet (`invalid_argument`).
 */
export async function copyFromSqlite(from: SqliteDatabase, to: PgDatabase): Promise<CopyReport> {
  requireObject(from, 'from')
  if (typeof (from as { transaction?: unknown })?.transaction !== 'function') throw new InvalidArgumentError('from', 'must be a @honker/core Database (open(path))')
  const read = <T extends Row>(sql: string): T[] => from.transaction((tx) => tx.all<T>(sql))
  const now = Math.floor(Date.now() / 1000)
  const live = read(`SELECT ${LIVE} FROM _honker_live ORDER BY id`)
  const dead = read(`SELECT ${DEAD} FROM _honker_dead ORDER BY id`)
  const events = read(`SELECT "offset", topic, key, payload, created_at FROM _honker_stream ORDER BY "offset"`)
  const consumers = read(`SELECT name, topic, "offset" FROM _honker_stream_consumers`)
  const tasks = read(`SELECT ${TASKS} FROM _honker_scheduler_tasks`)
  const queueSettings = read(`SELECT ${QUEUES} FROM _honker_queues`)
  const history = read(`SELECT ${HISTORY} FROM _honker_history ORDER BY id`)
  const results = read(`SELECT job_id, value, created_at, expires_at FROM _honker_results WHERE expires_at IS NULL OR expires_at > ${now}`)
  const s = to.schema
  return to.transaction(async (tx) => {
    const { rows } = await tx.query<{ busy: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${s}._honker_live) OR EXISTS (SELECT 1 FROM ${s}._honker_dead) OR EXISTS (SELECT 1 FROM ${s}._honker_stream) AS busy`,
    )
    if (rows[0]!.busy) throw new InvalidArgumentError('to', `schema ${s} already holds jobs or events: copy into an empty one`)
    const insert = async (table: string, columns: string, list: Row[], map: (row: Row) => unknown[]): Promise<void> => {
      const names = columns.split(', ')
      for (let i = 0; i < list.length; i += 1000) {
        const chunk = list.slice(i, i + 1000)
        const values: unknown[] = []
        const tuples = chunk.map((row) => {
          const mapped = map(row)
          return `(${mapped.map((value) => (values.push(typeof value === 'bigint' ? value.toString() : value), `$${values.length}`)).join(', ')})`
        })
        const overriding = table === '_honker_live' || table === '_honker_stream' ? ' OVERRIDING SYSTEM VALUE' : ''
        await tx.query(`INSERT INTO ${s}.${table} (${names.join(', ')})${overriding} VALUES ${tuples.join(', ')}`, values)
      }
    }
    const pick = (row: Row, names: string) => names.split(', ').map((name) => row[name.replace(/"/g, '')])
    await insert('_honker_live', LIVE, live, (row) => {
      const values = pick(row, LIVE)
      if (row.state === 'processing') {
        // Its worker is on the SQLite side, stopped: back to pending, the interrupted attempt given back.
        values[3] = 'pending'
        values[6] = null
        values[7] = null
        values[8] = Math.max(0, Number(row.attempts) - 1)
      }
      return values
    })
    await insert('_honker_dead', DEAD, dead, (row) => pick(row, DEAD))
    await insert('_honker_stream', `"offset", topic, key, payload, created_at`, events, (row) => pick(row, `"offset", topic, key, payload, created_at`))
    await insert('_honker_stream_consumers', `name, topic, "offset"`, consumers, (row) => pick(row, `name, topic, "offset"`))
    await tx.query(`DELETE FROM ${s}._honker_scheduler_tasks WHERE name = ANY($1::text[])`, [tasks.map((task) => task.name)])
    await insert('_honker_scheduler_tasks', TASKS, tasks, (row) => pick(row, TASKS))
    await tx.query(`DELETE FROM ${s}._honker_queues WHERE queue = ANY($1::text[])`, [queueSettings.map((row) => row.queue)])
    await insert('_honker_queues', QUEUES, queueSettings, (row) => pick(row, QUEUES))
    await insert('_honker_history', HISTORY, history, (row) => pick(row, HISTORY))
    await insert('_honker_results', `job_id, value, created_at, expires_at`, results, (row) => pick(row, `job_id, value, created_at, expires_at`))
    // New ids continue past the copied ones (live, dead and history share one id space, as on SQLite).
    await tx.query(
      `SELECT setval(pg_get_serial_sequence('${s}._honker_live', 'id'),
         greatest((SELECT max(id) FROM ${s}._honker_live), (SELECT max(id) FROM ${s}._honker_dead),
           (SELECT max(id) FROM ${s}._honker_history), 0) + 1, false)`,
    )
    await tx.query(`SELECT setval(pg_get_serial_sequence('${s}._honker_stream', 'offset'), coalesce((SELECT max("offset") FROM ${s}._honker_stream), 0) + 1, false)`)
    return { jobs: live.length, deadJobs: dead.length, events: events.length, consumers: consumers.length, schedules: tasks.length, results: results.length,
      queueSettings: queueSettings.length, history: history.length }
  })
}
