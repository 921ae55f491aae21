import type { HonkerApi, SqlReader } from './honker-api.ts'
import { capped, finishedFromRow, hasHistory, historyJob, num, scheduleFromRow, text, type Row } from './rows.ts'
import {
  COUNT_CAP,
  THROUGHPUT_MINUTES,
  type CappedCount,
  type ChannelSummary,
  type DashboardData,
  type DashboardJob,
  type FinishedJob,
  type JobEvent,
  type JobDetail,
  type JobListState,
  type LockSummary,
  type Overview,
  type QueueSummary,
  type RateLimitSummary,
  type ScheduleSummary,
  type StreamSummary,
} from './model.ts'

/** Lists on the overview stop here: a page is for people, not for a million names. */
const LIST_LIMIT = 500
/** Events shown on a job's page. */
const JOB_EVENTS = 200
/** A scan of an unindexed dead-letter table this quick runs on every refresh (see #deadByQueue). */
const DEAD_SCAN_FRESH_MS = 25
/** How stale a slow-to-scan dead-letter table's counts may get. */
const DEAD_SCAN_TTL_MS = 10_000

export interface SqlDataSettings {
  engine: 'sqlite' | 'postgres'
  label: string
  api: HonkerApi
  reader: SqlReader
  now(): Promise<number>
  watch: DashboardData['watch']
}

/**
 * The dashboard's reads and actions on either engine: actions and job pages through Honker's
 * public API, the cross-queue listings through read-only SQL on honker's tables (as `honker status`
 * does). Every count is bounded (COUNT_CAP, a LIMIT inside the count) and every list is an index
 * walk, so a queue of a million jobs costs the same per refresh as a queue of a hundred thousand.
 */
export class SqlDashboardData implements DashboardData {
  readonly engine: 'sqlite' | 'postgres'
  readonly label: string
  readonly watch: DashboardData['watch']
  readonly #api: HonkerApi
  readonly #sql: SqlReader
  readonly #now: () => Promise<number>
  #deadCache: { at: number; slow: boolean; counts: Map<string, number> } | null = null

  constructor(settings: SqlDataSettings) {
    this.engine = settings.engine
    this.label = settings.label
    this.watch = settings.watch
    this.#api = settings.api
    this.#sql = settings.reader
    this.#now = settings.now
  }

  now(): Promise<number> {
    return this.#now()
  }

  #t(name: string): string {
    return this.#sql.table(name)
  }

  async #count(sql: string, params: unknown[]): Promise<CappedCount> {
    const rows = await this.#sql.all(`SELECT count(*) AS n FROM (${sql} LIMIT ${COUNT_CAP + 1}) AS capped`, params)
    return capped(rows[0]?.n)
  }

  /**
   * Every queue name, by a loose index scan: one index seek per queue (the min above the last),
   * never a scan of the jobs. Queues with only dead jobs, or only settings, are added.
   */
  async #queueNames(tables: Map<string, Set<string>>): Promise<string[]> {
    const names = new Set<string>()
    if (tables.has('_honker_live')) {
      const live = this.#t('_honker_live')
      const rows = await this.#sql.all(
        `WITH RECURSIVE q(name) AS (
           SELECT (SELECT min(queue) FROM ${live} WHERE state = 'pending')
           UNION ALL
           SELECT (SELECT min(queue) FROM ${live} WHERE state = 'pending' AND queue > q.name) FROM q WHERE q.name IS NOT NULL
         ) SELECT name FROM q WHERE name IS NOT NULL LIMIT ${LIST_LIMIT}`,
      )
      for (const row of rows) names.add(String(row.name))
      const processing = await this.#sql.all(
        `WITH RECURSIVE q(name) AS (
           SELECT (SELECT min(queue) FROM ${live} WHERE state = 'processing')
           UNION ALL
           SELECT (SELECT min(queue) FROM ${live} WHERE state = 'processing' AND queue > q.name) FROM q WHERE q.name IS NOT NULL
         ) SELECT name FROM q WHERE name IS NOT NULL LIMIT ${LIST_LIMIT}`,
      )
      for (const row of processing) names.add(String(row.name))
    }
    if (tables.has('_honker_dead')) {
      if (await this.#sql.deadIndexed()) {
        const dead = this.#t('_honker_dead')
        const rows = await this.#sql.all(
          `WITH RECURSIVE q(name) AS (
             SELECT (SELECT min(queue) FROM ${dead})
             UNION ALL
             SELECT (SELECT min(queue) FROM ${dead} WHERE queue > q.name) FROM q WHERE q.name IS NOT NULL
           ) SELECT name FROM q WHERE name IS NOT NULL LIMIT ${LIST_LIMIT}`,
        )
        for (const row of rows) names.add(String(row.name))
      } else {
        for (const queue of (await this.#deadByQueue()).keys()) names.add(queue)
      }
    }
    if (tables.has('_honker_queues')) {
      for (const row of await this.#sql.all(`SELECT queue FROM ${this.#t('_honker_queues')} LIMIT ${LIST_LIMIT}`)) names.add(String(row.queue))
    }
    return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, LIST_LIMIT)
  }

  async #summary(queue: string, now: number, tables: Map<string, Set<string>>): Promise<QueueSummary> {
    const zero: CappedCount = { value: 0, atLeast: false }
    const summary: QueueSummary = { queue, pending: zero, delayed: zero, processing: zero, dead: zero, completed: null, oldestPendingS: null, throughput: null, paused: false, concurrency: null, groupConcurrency: null }
    if (tables.has('_honker_live')) {
      const live = this.#t('_honker_live')
      summary.pending = await this.#count(`SELECT 1 FROM ${live} WHERE queue = ? AND state = 'pending' AND run_at <= ?`, [queue, now])
      summary.delayed = await this.#count(`SELECT 1 FROM ${live} WHERE queue = ? AND state = 'pending' AND run_at > ?`, [queue, now])
      summary.processing = await this.#count(`SELECT 1 FROM ${live} WHERE queue = ? AND state = 'processing'`, [queue])
      const oldest = await this.#sql.all(`SELECT min(run_at) AS oldest FROM ${live} WHERE queue = ? AND state = 'pending' AND run_at <= ?`, [queue, now])
      const at = oldest[0]?.oldest
      summary.oldestPendingS = at === null || at === undefined ? null : Math.max(0, now - num(at))
    }
    if (tables.has('_honker_dead')) {
      summary.dead = (await this.#sql.deadIndexed())
        ? await this.#count(`SELECT 1 FROM ${this.#t('_honker_dead')} WHERE queue = ?`, [queue])
        : { value: (await this.#deadByQueue()).get(queue) ?? 0, atLeast: false }
    }
    if (hasHistory(tables)) {
      summary.completed = await this.#count(`SELECT 1 FROM ${this.#t('_honker_history')} WHERE queue = ? AND state = 'completed'`, [queue])
    }
    let settings: Row | undefined
    const settingsColumns = tables.get('_honker_queues')
    if (settingsColumns !== undefined) {
      settings = (await this.#sql.all(`SELECT * FROM ${this.#t('_honker_queues')} WHERE queue = ?`, [queue]))[0]
      summary.paused = settings !== undefined && num(settings.paused) !== 0
      summary.concurrency = settings?.concurrency == null ? null : num(settings.concurrency)
      summary.groupConcurrency = settings?.group_concurrency == null ? null : num(settings.group_concurrency)
    }
    // Throughput needs finished jobs to count: only a queue that keeps completed jobs in history
    // has them (queue features); for the others the column says why it is empty.
    const keepsHistory = settings !== undefined && (settings.keep_completed_s != null || settings.keep_completed_count != null)
    if (keepsHistory && tables.get('_honker_history')?.has('finished_at')) {
      const since = now - THROUGHPUT_MINUTES * 60
      const rows = await this.#sql.all(
        `SELECT finished_at FROM ${this.#t('_honker_history')} WHERE queue = ? AND finished_at > ? ORDER BY finished_at LIMIT ${COUNT_CAP}`,
        [queue, since],
      )
      const perMinute = new Array<number>(THROUGHPUT_MINUTES).fill(0)
      for (const row of rows) {
        const minute = Math.min(THROUGHPUT_MINUTES - 1, Math.floor((num(row.finished_at) - since - 1) / 60))
        perMinute[Math.max(0, minute)]! += 1
      }
      summary.throughput = perMinute
    }
    return summary
  }

  /**
   * Dead-job counts per queue where `_honker_dead` has no queue index (honker's SQLite schema):
   * one grouped scan serves every queue of a refresh. While that scan is quick (under
   * DEAD_SCAN_FRESH_MS) it runs on every refresh; a table big enough to take longer is scanned at
   * most every DEAD_SCAN_TTL_MS, and at once after the dashboard's own dead-letter actions.
   */
  async #deadByQueue(): Promise<Map<string, number>> {
    const now = Date.now()
    if (this.#deadCache !== null && this.#deadCache.slow && now - this.#deadCache.at < DEAD_SCAN_TTL_MS) return this.#deadCache.counts
    const counts = new Map<string, number>()
    const started = performance.now()
    for (const row of await this.#sql.all(`SELECT queue, count(*) AS n FROM ${this.#t('_honker_dead')} GROUP BY queue`)) counts.set(String(row.queue), num(row.n))
    this.#deadCache = { at: now, slow: performance.now() - started > DEAD_SCAN_FRESH_MS, counts }
    return counts
  }

  async overview(): Promise<Overview> {
    const [now, tables] = await Promise.all([this.#now(), this.#sql.tables()])
    const queues: QueueSummary[] = []
    for (const name of await this.#queueNames(tables)) queues.push(await this.#summary(name, now, tables))
    return { now, queues }
  }

  async queueSummary(queue: string): Promise<QueueSummary | null> {
    const [now, tables] = await Promise.all([this.#now(), this.#sql.tables()])
    const summary = await this.#summary(queue, now, tables)
    const empty = [summary.pending, summary.delayed, summary.processing, summary.dead].every((count) => count.value === 0)
    if (!empty || summary.paused) return summary
    // A queue with no jobs now is still known if its settings or history name it.
    const known = (await this.#queueNames(tables)).includes(queue)
    return known ? summary : null
  }

  async emptySummary(queue: string): Promise<QueueSummary> {
    const [now, tables] = await Promise.all([this.#now(), this.#sql.tables()])
    return this.#summary(queue, now, tables)
  }

  async jobs(queue: string, state: JobListState, afterId: number, limit: number): Promise<DashboardJob[]> {
    const q = this.#api.queue(queue)
    if (state === 'completed') {
      const tables = await this.#sql.tables()
      if (!hasHistory(tables)) return []
      // Keyset on the history's (queue, state, id) index.
      const rows = await this.#sql.all(
        `SELECT * FROM ${this.#t('_honker_history')} WHERE queue = ? AND state = 'completed' AND id > ? ORDER BY id LIMIT ?`,
        [queue, afterId, limit],
      )
      return rows.map((row) => historyJob(finishedFromRow(row)))
    }
    if (state === 'dead') return (await q.dead.list({ afterId, limit })) as DashboardJob[]
    const jobs = (await q.listJobs({ state, afterId, limit })) as DashboardJob[]
    if (state === 'processing') await this.#withProgress(jobs)
    return jobs
  }

  /** Running jobs' progress (queue features), read for the page's ids when listJobs leaves it out. */
  async #withProgress(jobs: DashboardJob[]): Promise<void> {
    const missing = jobs.filter((job) => job.progress === undefined)
    if (missing.length === 0 || !(await this.#sql.tables()).get('_honker_live')?.has('progress')) return
    const rows = await this.#sql.all(
      `SELECT id, progress FROM ${this.#t('_honker_live')} WHERE id IN (${missing.map(() => '?').join(', ')}) AND progress IS NOT NULL`,
      missing.map((job) => job.id),
    )
    const byId = new Map(rows.map((row) => [num(row.id), text(row.progress)]))
    for (const job of missing) {
      const progress = byId.get(job.id)
      if (progress !== undefined && progress !== null) job.progress = progress
    }
  }

  async job(queue: string, id: number): Promise<JobDetail | null> {
    const tables = await this.#sql.tables()
    const job = (await this.#api.queue(queue).getJob(id)) as DashboardJob | null
    const finished = job === null ? await this.#finished(queue, id, tables) : null
    if (job === null && finished === null) return null
    let result: JobDetail['result'] = { found: false }
    try {
      result = await this.#api.getResult(id)
    } catch {
      // A result that is not JSON (another writer's) reads as none rather than failing the page.
    }
    let progressText: string | null = null
    if (job !== null && job.progress === undefined && job.state !== 'dead' && tables.get('_honker_live')?.has('progress')) {
      const rows = await this.#sql.all(`SELECT progress FROM ${this.#t('_honker_live')} WHERE id = ? AND queue = ?`, [id, queue])
      progressText = text(rows[0]?.progress)
    }
    return { job, finished, result, progressText, events: await this.#events(queue, id, tables) }
  }

  /** The job's row in `_honker_history` (queue features), read only when the table has the columns. */
  async #finished(queue: string, id: number, tables: Map<string, Set<string>>): Promise<FinishedJob | null> {
    if (!hasHistory(tables)) return null
    const rows = await this.#sql.all(`SELECT * FROM ${this.#t('_honker_history')} WHERE id = ? AND queue = ?`, [id, queue])
    return rows[0] === undefined ? null : finishedFromRow(rows[0])
  }

  /** The job's event log (`_honker_events`, queue features), oldest first, at most JOB_EVENTS. */
  async #events(queue: string, id: number, tables: Map<string, Set<string>>): Promise<JobEvent[]> {
    const columns = tables.get('_honker_events')
    if (columns === undefined || !['queue', 'job_id', 'kind', 'created_at'].every((column) => columns.has(column))) return []
    const rows = await this.#sql.all(
      `SELECT kind, ${columns.has('data') ? 'data' : 'NULL AS data'}, created_at FROM ${this.#t('_honker_events')} WHERE queue = ? AND job_id = ? ORDER BY id LIMIT ${JOB_EVENTS}`,
      [queue, id],
    )
    return rows.map((row) => ({ kind: String(row.kind), dataText: text(row.data), at: num(row.created_at) }))
  }

  async streams(): Promise<StreamSummary[]> {
    const tables = await this.#sql.tables()
    if (!tables.has('_honker_stream')) return []
    const stream = this.#t('_honker_stream')
    const topics = await this.#sql.all(
      `WITH RECURSIVE t(name) AS (
         SELECT (SELECT min(topic) FROM ${stream})
         UNION ALL
         SELECT (SELECT min(topic) FROM ${stream} WHERE topic > t.name) FROM t WHERE t.name IS NOT NULL
       ) SELECT name FROM t WHERE name IS NOT NULL LIMIT ${LIST_LIMIT}`,
    )
    const byTopic = new Map<string, StreamSummary>()
    for (const row of topics) {
      const topic = String(row.name)
      const last = await this.#sql.all(`SELECT max("offset") AS last FROM ${stream} WHERE topic = ?`, [topic])
      byTopic.set(topic, { topic, lastOffset: num(last[0]?.last), consumers: [] })
    }
    if (tables.has('_honker_stream_consumers')) {
      const consumers = await this.#sql.all(`SELECT name, topic, "offset" FROM ${this.#t('_honker_stream_consumers')} ORDER BY topic, name LIMIT ${LIST_LIMIT}`)
      for (const row of consumers) {
        const topic = String(row.topic)
        let summary = byTopic.get(topic)
        if (summary === undefined) {
          summary = { topic, lastOffset: 0, consumers: [] }
          byTopic.set(topic, summary)
        }
        const offset = num(row.offset)
        const lag = await this.#count(`SELECT 1 FROM ${stream} WHERE topic = ? AND "offset" > ?`, [topic, offset])
        summary.consumers.push({ consumer: String(row.name), offset, lag })
      }
    }
    return [...byTopic.values()].sort((a, b) => (a.topic < b.topic ? -1 : 1))
  }

  async channels(): Promise<ChannelSummary[]> {
    const tables = await this.#sql.tables()
    if (!tables.has('_honker_notifications')) return []
    const table = this.#t('_honker_notifications')
    const names = await this.#sql.all(
      `WITH RECURSIVE c(name) AS (
         SELECT (SELECT min(channel) FROM ${table})
         UNION ALL
         SELECT (SELECT min(channel) FROM ${table} WHERE channel > c.name) FROM c WHERE c.name IS NOT NULL
       ) SELECT name FROM c WHERE name IS NOT NULL LIMIT ${LIST_LIMIT}`,
    )
    const channels: ChannelSummary[] = []
    for (const row of names) {
      const channel = String(row.name)
      const last = await this.#sql.all(`SELECT id, created_at FROM ${table} WHERE channel = ? ORDER BY id DESC LIMIT 1`, [channel])
      channels.push({ channel, lastId: num(last[0]?.id), lastAt: num(last[0]?.created_at) })
    }
    return channels
  }

  async schedules(): Promise<ScheduleSummary[]> {
    const tables = await this.#sql.tables()
    if (!tables.has('_honker_scheduler_tasks')) return []
    const rows = await this.#sql.all(`SELECT * FROM ${this.#t('_honker_scheduler_tasks')} ORDER BY name LIMIT ${LIST_LIMIT}`)
    return rows.map(scheduleFromRow)
  }

  async #schedule(name: string): Promise<ScheduleSummary | null> {
    const tables = await this.#sql.tables()
    if (!tables.has('_honker_scheduler_tasks')) return null
    const rows = await this.#sql.all(`SELECT * FROM ${this.#t('_honker_scheduler_tasks')} WHERE name = ?`, [name])
    return rows[0] === undefined ? null : scheduleFromRow(rows[0])
  }

  async locks(): Promise<LockSummary[]> {
    const tables = await this.#sql.tables()
    if (!tables.has('_honker_locks')) return []
    const rows = await this.#sql.all(`SELECT name, owner, expires_at FROM ${this.#t('_honker_locks')} ORDER BY name LIMIT ${LIST_LIMIT}`)
    return rows.map((row) => ({ name: String(row.name), owner: String(row.owner), expiresAt: num(row.expires_at) }))
  }

  async rateLimits(): Promise<RateLimitSummary[]> {
    const tables = await this.#sql.tables()
    if (!tables.has('_honker_rate_limits')) return []
    const rows = await this.#sql.all(
      `SELECT name, window_start, count FROM ${this.#t('_honker_rate_limits')} ORDER BY window_start DESC, name LIMIT ${LIST_LIMIT}`,
    )
    return rows.map((row) => ({ name: String(row.name), windowStart: num(row.window_start), count: num(row.count) }))
  }

  async pauseQueue(queue: string): Promise<boolean> {
    const q = this.#api.queue(queue)
    if (typeof q.pause !== 'function') return false
    await q.pause()
    return true
  }

  async resumeQueue(queue: string): Promise<boolean> {
    const q = this.#api.queue(queue)
    if (typeof q.resume !== 'function') return false
    await q.resume()
    return true
  }

  async retryDead(queue: string, ids: number[] | 'all'): Promise<number[]> {
    const dead = this.#api.queue(queue).dead
    this.#deadCache = null
    return ids === 'all' ? await dead.retryAll() : await dead.retry(ids)
  }

  async deleteDead(queue: string, ids: number[] | 'all'): Promise<number[]> {
    const dead = this.#api.queue(queue).dead
    this.#deadCache = null
    return ids === 'all' ? await dead.deleteAll() : await dead.delete(ids)
  }

  async pauseSchedule(name: string): Promise<boolean> {
    if ((await this.#schedule(name)) === null) return false
    await this.#api.scheduler().pause(name)
    return true
  }

  async resumeSchedule(name: string): Promise<boolean> {
    if ((await this.#schedule(name)) === null) return false
    await this.#api.scheduler().resume(name)
    return true
  }

  async runSchedule(name: string): Promise<number | null> {
    const task = await this.#schedule(name)
    if (task === null) return null
    return await this.#api.queue(task.queue).enqueue(JSON.parse(task.payloadText), { priority: task.priority, maxAttempts: task.maxAttempts })
  }
}
