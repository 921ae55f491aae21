import type { JobInfo } from '@honker/core'

/** Counts above this read as "at least": a page never counts a million rows on every refresh. */
export const COUNT_CAP = 100_000

/** A count that may have stopped at COUNT_CAP. */
export interface CappedCount {
  value: number
  /** true when the real number is at least `value` (the count stopped at the cap). */
  atLeast: boolean
}

export interface QueueSummary {
  queue: string
  pending: CappedCount
  delayed: CappedCount
  processing: CappedCount
  dead: CappedCount
  /** Completed jobs kept in history; null when the database has no history table. */
  completed: CappedCount | null
  /** Seconds the oldest due pending job has waited; null when none waits. */
  oldestPendingS: number | null
  /** Jobs finished per minute over the last THROUGHPUT_MINUTES minutes, oldest first; null without job history. */
  throughput: number[] | null
  /** From the queue settings table, when the engine has it. */
  paused: boolean
  /** Jobs of the queue processing at once across every process, and per group; null: no limit. */
  concurrency: number | null
  groupConcurrency: number | null
}

/** Minutes of throughput shown per queue. */
export const THROUGHPUT_MINUTES = 10

/** The lists of a queue page; 'completed' reads kept history (queue features), when the table exists. */
export type JobListState = 'pending' | 'delayed' | 'processing' | 'dead' | 'completed'
export const JOB_LIST_STATES: readonly JobListState[] = ['pending', 'delayed', 'processing', 'dead', 'completed']

/** A job as the dashboard shows it: core's JobInfo, plus what newer engines may add. */
export type DashboardJob = Omit<JobInfo, 'state'> & {
  /** 'pending', 'processing' or 'dead'; 'completed' (or another history state) for a kept finished job. */
  state: string
  progress?: unknown
  uniqueKey?: string | null
  group?: string | null
  /** When a kept job finished (unix seconds). */
  finishedAt?: number
  /** A kept job's result, parsed. */
  result?: unknown
}

/** One entry of a job's event log (`_honker_events`), when the queue keeps one. */
export interface JobEvent {
  kind: string
  dataText: string | null
  at: number
}

/** A finished job kept in `_honker_history`, when the queue keeps history. */
export interface FinishedJob {
  id: number
  queue: string
  state: string
  payloadText: string
  priority: number
  runAt: number
  attempts: number
  maxAttempts: number
  createdAt: number
  finishedAt: number
  lastError: string | null
  resultText: string | null
  progressText: string | null
}

export interface JobDetail {
  /** The live or dead job; null when only its history row is left. */
  job: DashboardJob | null
  /** Its history row, when the job has finished and the queue keeps history. */
  finished: FinishedJob | null
  /** The saved result, when one exists. */
  result: { found: true; value: unknown } | { found: false }
  /** The queue-features progress column, read raw when the table has it. */
  progressText: string | null
  events: JobEvent[]
}

export interface ConsumerLag {
  consumer: string
  offset: number
  lag: CappedCount
}

export interface StreamSummary {
  topic: string
  lastOffset: number
  consumers: ConsumerLag[]
}

export interface ChannelSummary {
  channel: string
  lastId: number
  lastAt: number
}

export interface ScheduleSummary {
  name: string
  queue: string
  schedule: string
  nextFireAt: number
  paused: boolean
  priority: number
  maxAttempts: number
  payloadText: string
}

export interface LockSummary {
  name: string
  owner: string
  expiresAt: number
}

export interface RateLimitSummary {
  name: string
  windowStart: number
  count: number
}

export interface Overview {
  now: number
  queues: QueueSummary[]
}

/**
 * What the dashboard reads and does, on one engine. Every method returns a promise, so one set of
 * routes serves SQLite (whose calls are synchronous underneath) and PostgreSQL.
 */
export interface DashboardData {
  readonly engine: 'sqlite' | 'postgres'
  /** The file path or the schema, for the page header. */
  readonly label: string
  now(): Promise<number>
  overview(): Promise<Overview>
  queueSummary(queue: string): Promise<QueueSummary | null>
  /** A queue's summary even when nothing names it (all zero). */
  emptySummary(queue: string): Promise<QueueSummary>
  jobs(queue: string, state: JobListState, afterId: number, limit: number): Promise<DashboardJob[]>
  job(queue: string, id: number): Promise<JobDetail | null>
  streams(): Promise<StreamSummary[]>
  channels(): Promise<ChannelSummary[]>
  schedules(): Promise<ScheduleSummary[]>
  locks(): Promise<LockSummary[]>
  rateLimits(): Promise<RateLimitSummary[]>
  /** Pause or resume a queue in every process; false when this version of Honker cannot. */
  pauseQueue(queue: string): Promise<boolean>
  resumeQueue(queue: string): Promise<boolean>
  retryDead(queue: string, ids: number[] | 'all'): Promise<number[]>
  deleteDead(queue: string, ids: number[] | 'all'): Promise<number[]>
  pauseSchedule(name: string): Promise<boolean>
  resumeSchedule(name: string): Promise<boolean>
  /** Enqueue the schedule's job now; null when there is no such schedule. */
  runSchedule(name: string): Promise<number | null>
  /** Call `onCommit` after commits from any process; returns a function that stops. */
  watch(onCommit: () => void, onError: (error: Error) => void): () => void
}
