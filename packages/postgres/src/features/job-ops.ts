import { eventFromRow, historyRowToInfo, settingsFromRow, settingsParams, withExtras, type EventRow, type HistoryJobRow, type LiveJobExtras, type ClaimedRow, type EnqueueOptions, type JobOps, type QueueSettingsRow } from '@honker/core/engine'
import { claimLimited, type ClaimLimits } from './limited-claim.ts'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { insertJobs, insertUniqueJob } from '../writes.ts'
import { rowToInfo, type PgJobRow } from './job-row.ts'
import { pgQueueWorkerStorage, sleepUntilClaimable, sweepAndPrune } from './queue-worker-storage.ts'
import { runnerOf, type PgTransaction } from './transaction.ts'

/**
 * The queue's operations on PostgreSQL for core's `Queue` and `Job`: one statement each, times on
 * the database's clock. `owner` is the database a `tx` must belong to.
 */
export function pgJobOps(engine: PgEngine, owner: object): JobOps<'async', PgTransaction> {
  const { jobs } = engine
  const insert = async (queue: string, payloads: readonly unknown[], options: EnqueueOptions, maxAttempts: number, tx: PgTransaction | undefined) => {
    const runner = runnerOf(tx, owner) ?? engine.pool
    engine.assertOpen()
    const ids = await insertJobs(engine, runner, queue, payloads, options, maxAttempts)
    engine.noteInserted(ids.length)
    return ids
  }
  return {
    mode: 'async',
    maxPayloadBytes: engine.maxPayloadBytes,
    get closed() {
      return engine.closed
    },
    insert,
    async insertOne(queue, payload, options, maxAttempts, tx) {
      if (options.uniqueKey === undefined) return (await insert(queue, [payload], options, maxAttempts, tx))[0]!
      const runner = runnerOf(tx, owner) ?? engine.pool
      engine.assertOpen()
      const result = await insertUniqueJob(engine, runner, queue, payload, { ...options, uniqueKey: options.uniqueKey }, maxAttempts)
      if (result.created) engine.noteInserted(1)
      return result
    },
    async claim(queue, workerId, limit, visibilityTimeoutS) {
      const { rows } = await engine.query<{ claimed: PgJobRow[]; limits: ClaimLimits }>(jobs.ackAndClaim, [queue, workerId, limit, visibilityTimeoutS, []])
      const { claimed, limits } = rows[0]!
      return limits === null ? (claimed as ClaimedRow[]) : claimLimited(engine, limits, queue, workerId, limit, visibilityTimeoutS)
    },
    async ack(_queue, ids, workerId) {
      if (ids.length === 0) return 0
      return Number((await engine.query<{ acked: string }>(jobs.ack, [ids, workerId])).rows[0]!.acked)
    },
    async retry(job, delayS, error) {
      const { rows } = await engine.query<{ done: string }>(jobs.retry, [job.id, job.workerId, delayS, error, wakeKey('q', job.queue)])
      return Number(rows[0]!.done) === 1
    },
    async fail(job, error) {
      return Number((await engine.query<{ done: string }>(jobs.fail, [job.id, job.workerId, error])).rows[0]!.done) === 1
    },
    async heartbeat(job, extendS) {
      const { rows } = await engine.query<{ claim_expires_at: string }>(jobs.heartbeat, [job.id, job.workerId, extendS])
      return rows[0] === undefined ? null : Number(rows[0].claim_expires_at)
    },
    async release(job) {
      const { rows } = await engine.query<{ released: string }>(jobs.release, [job.id, job.workerId, wakeKey('q', job.queue)])
      return Number(rows[0]!.released) === 1
    },
    async get(queue, id) {
      const row = (await engine.query<PgJobRow & LiveJobExtras>(jobs.get, [id])).rows[0]
      if (row !== undefined) {
        if (row.queue !== queue) return null
        return row.state === 'dead' ? rowToInfo(row) : withExtras(rowToInfo(row), row)
      }
      const kept = (await engine.query<HistoryJobRow>(jobs.getHistory, [id])).rows[0]
      return kept !== undefined && kept.queue === queue ? historyRowToInfo(kept) : null
    },
    async progress(job, text) {
      return Number((await engine.query<{ done: string }>(jobs.progress, [job.id, job.workerId, text])).rows[0]!.done) === 1
    },
    async history(queue, afterId, limit) {
      return (await engine.query<HistoryJobRow>(jobs.listHistory, [queue, afterId, limit])).rows.map(historyRowToInfo)
    },
    async events(queue, afterId, limit) {
      return (await engine.query<EventRow>(jobs.listEvents, [queue, afterId, limit])).rows.map(eventFromRow)
    },
    async lastEventId(queue) {
      return Number((await engine.query<{ id: string }>(jobs.lastEventId, [queue])).rows[0]!.id)
    },
    subscribeEvents: (queue) => engine.wake.subscribe([wakeKey('e', queue)]),
    async cancel(id) {
      return (await engine.query(jobs.cancel, [id])).rowCount === 1
    },
    sweepExpired: (queue) => sweepAndPrune(engine, queue),
    async nextClaimAt(queue) {
      const { rows } = await engine.query<{ next_at: string | null }>(jobs.nextClaimAt, [queue])
      return rows[0]!.next_at === null ? null : Number(rows[0]!.next_at)
    },
    sleepUntilClaimableMs: (queue, fallbackMs) => sleepUntilClaimable(engine, queue, fallbackMs),
    async counts(queue) {
      const row = (await engine.query<Record<'pending' | 'delayed' | 'processing' | 'dead', string>>(jobs.counts, [queue])).rows[0]!
      return { pending: Number(row.pending), delayed: Number(row.delayed), processing: Number(row.processing), dead: Number(row.dead) }
    },
    async list(queue, state, afterId, limit) {
      return (await engine.query<PgJobRow>(jobs.list, [queue, state, afterId, limit])).rows.map(rowToInfo)
    },
    async releaseClaims(queue, ids, workerId, force) {
      if (ids?.length === 0) return { released: [], live: [] }
      const { rows } = await engine.query<PgJobRow & { released: boolean }>(jobs.releaseClaims, [queue, ids, workerId, force, wakeKey('q', queue)])
      return {
        released: rows.filter((row) => row.released).map((row) => Number(row.id)).sort((a, b) => a - b),
        live: rows.filter((row) => !row.released).map(rowToInfo),
      }
    },
    async settings(queue) {
      return settingsFromRow((await engine.query<QueueSettingsRow>(jobs.settings, [queue])).rows[0])
    },
    async updateSettings(queue, change) {
      const p = settingsParams(queue, change)
      const values = [
        queue, p.paused,
        p.set_concurrency === 1, p.concurrency,
        p.set_group_concurrency === 1, p.group_concurrency,
        p.set_keep_completed === 1, p.keep_completed_s, p.keep_completed_count,
        p.set_keep_failed === 1, p.keep_failed_s, p.keep_failed_count,
        p.events, wakeKey('q', queue),
      ]
      return settingsFromRow((await engine.query<QueueSettingsRow>(jobs.updateSettings, values)).rows[0])
    },
    subscribe: (queue) => engine.wake.subscribe([wakeKey('q', queue)]),
    workerStorage: (queue, job) => pgQueueWorkerStorage(engine, queue, job),
  }
}
