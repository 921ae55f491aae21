import { SCHEDULER_LOCK_NAME } from '@honker/core'
import {
  CONSUMER_LAG,
  DEAD_COUNTS,
  GET_LOCK,
  QUEUE_STATS,
  SCHEDULE_ROWS,
  STREAM_CONSUMERS,
  TOPIC_STATS,
  type DriverConnection,
  type Statement,
} from '@honker/core/adapter'
import { hasHonkerTables, notHonkerError, tableNames } from '../database.ts'
import type { QueueDepth } from '@honker/core/engine'

/** One queue's line of `honker status`: core's `QueueDepth`, which `honker metrics` prints too. */
export type QueueStatus = QueueDepth

export interface ConsumerStatus {
  consumer: string
  offset: number
  /** Events of the topic after the saved offset. */
  lag: number
}

export interface StreamStatus {
  topic: string
  events: number
  /** 0 when the topic has no events (only saved offsets). */
  lastOffset: number
  consumers: ConsumerStatus[]
}

export interface ScheduleStatus {
  name: string
  queue: string
  schedule: string
  /** Unix seconds of the next boundary that has not fired. */
  nextFireAt: number
  paused: boolean
  priority: number
  maxAttempts: number
}

export interface Status {
  database: string
  /** Unix seconds the report was taken at. */
  now: number
  queues: QueueStatus[]
  streams: StreamStatus[]
  schedules: ScheduleStatus[]
  /** Who holds the scheduler's leader lease, or null when no scheduler is running. */
  schedulerLeader: { owner: string; expiresAt: number } | null
}

type Row = Record<string, unknown>

const num = (value: unknown): number => (typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : 0)

/** Core's statement, bound by name, on a connection of any driver. */
function rows(connection: DriverConnection, statement: Statement, values: Record<string, unknown> = {}): Row[] {
  return connection.prepare(statement.text).all(statement.bind(values))
}

/**
 * Everything `honker status` reports, read in one read transaction so the numbers agree with
 * each other. Tables missing from the file (an older honker, or a feature never used) read as
 * empty; a file without any `_honker_*` table is not a honker database.
 */
export function collectStatus(connection: DriverConnection, file: string, nowS: number): Status {
  const tables = tableNames(connection, file)
  if (!hasHonkerTables(tables)) throw notHonkerError(file)
  // A deferred BEGIN on a read-only connection: one snapshot, no lock beyond reading.
  connection.exec('BEGIN')
  try {
    return {
      database: file,
      now: nowS,
      queues: queues(connection, tables, nowS),
      streams: tables.has('_honker_stream') ? streams(connection, tables) : [],
      schedules: tables.has('_honker_scheduler_tasks') ? schedules(connection) : [],
      schedulerLeader: tables.has('_honker_locks') ? leader(connection, nowS) : null,
    }
  } finally {
    if (connection.inTransaction) connection.exec('ROLLBACK')
  }
}

function queues(connection: DriverConnection, tables: Set<string>, now: number): QueueStatus[] {
  const byName = new Map<string, QueueStatus>()
  const entry = (queue: string): QueueStatus => {
    let status = byName.get(queue)
    if (status === undefined) {
      status = { queue, pending: 0, delayed: 0, processing: 0, dead: 0, oldestPendingS: null }
      byName.set(queue, status)
    }
    return status
  }
  const live = tables.has('_honker_live') ? rows(connection, QUEUE_STATS, { now }) : []
  for (const row of live) {
    const status = entry(String(row.queue))
    status.pending = num(row.pending)
    status.delayed = num(row.delayed)
    status.processing = num(row.processing)
    status.oldestPendingS = row.oldest_run_at == null ? null : Math.max(0, now - num(row.oldest_run_at))
  }
  if (tables.has('_honker_dead')) {
    for (const row of rows(connection, DEAD_COUNTS)) entry(String(row.queue)).dead = num(row.dead)
  }
  return [...byName.values()].sort((a, b) => a.queue.localeCompare(b.queue))
}

function streams(connection: DriverConnection, tables: Set<string>): StreamStatus[] {
  const byTopic = new Map<string, StreamStatus>()
  for (const row of rows(connection, TOPIC_STATS)) {
    const topic = String(row.topic)
    byTopic.set(topic, { topic, events: num(row.events), lastOffset: num(row.last_offset), consumers: [] })
  }
  if (tables.has('_honker_stream_consumers')) {
    const lag = connection.prepare(CONSUMER_LAG.text)
    for (const row of rows(connection, STREAM_CONSUMERS)) {
      const topic = String(row.topic)
      let status = byTopic.get(topic)
      if (status === undefined) {
        status = { topic, events: 0, lastOffset: 0, consumers: [] }
        byTopic.set(topic, status)
      }
      const offset = num(row.offset)
      const behind = lag.value(CONSUMER_LAG.bind({ topic, offset }))
      status.consumers.push({ consumer: String(row.name), offset, lag: num(behind) })
    }
  }
  return [...byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic))
}

function schedules(connection: DriverConnection): ScheduleStatus[] {
  return rows(connection, SCHEDULE_ROWS).map((row) => ({
    name: String(row.name),
    queue: String(row.queue),
    schedule: String(row.cron_expr),
    nextFireAt: num(row.next_fire_at),
    // Missing column (a file from before honker added it): every task was enabled then.
    paused: row.enabled !== undefined && num(row.enabled) === 0,
    priority: num(row.priority),
    maxAttempts: row.max_attempts === undefined ? 3 : num(row.max_attempts),
  }))
}

function leader(connection: DriverConnection, now: number): Status['schedulerLeader'] {
  const row = connection.prepare(GET_LOCK.text).get(GET_LOCK.bind({ name: SCHEDULER_LOCK_NAME }))
  if (row === undefined || num(row.expires_at) <= now) return null
  return { owner: String(row.owner), expiresAt: num(row.expires_at) }
}

