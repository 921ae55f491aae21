import type { JobOps } from '../engine/job-ops.ts'
import type { Host } from '../host.ts'
import type { Transaction } from '../transaction.ts'
import { ackMany, claimRows, nextClaimAt, sleepUntilClaimableMs, sweepExpired } from './claim.ts'
import { enqueueManyWith, enqueueWith } from './enqueue.ts'
import { deadRowToInfo, liveRowToInfo, toNumber, withExtras, type DeadJobRow, type LiveJobExtras, type LiveJobRow } from './job-row.ts'
import { listLiveJobs, releaseClaims } from './live-jobs.ts'
import { queueWorkerStorage } from './queue-worker-storage.ts'
import { CANCEL_JOB, GET_DEAD_JOB, GET_LIVE_JOB, GET_QUEUE_SETTINGS, QUEUE_COUNTS, SET_PROGRESS, UPSERT_QUEUE_SETTINGS } from './queue.sql.ts'
import { settingsFromRow, settingsParams, type QueueSettingsRow } from './queue-settings.ts'
import { ack, fail, heartbeat, release, retry } from './transitions.ts'

/** The queue's operations on SQLite: prepared statements on Honker's connection or the caller's `tx`. */
export function sqliteJobOps(host: Host): JobOps<'sync', Transaction> {
  return {
    mode: 'sync',
    get maxPayloadBytes() {
      return host.maxPayloadBytes
    },
    get closed() {
      return host.closed
    },
    insertOne(queue, payload, options, maxAttempts, tx) {
      const executor = host.executorFor(tx)
      const insert = () => enqueueWith(executor, queue, payload, options, { maxAttempts, maxPayloadBytes: host.maxPayloadBytes }, host.nowS())
      // A unique key may take several statements (the holder, an expired one's dead letter): one write.
      return tx === undefined && options.uniqueKey !== undefined ? host.write(insert) : insert()
    },
    insert(queue, payloads, options, maxAttempts, tx) {
      const executor = host.executorFor(tx)
      const insertAll = () => enqueueManyWith(executor, queue, payloads, options, { maxAttempts, maxPayloadBytes: host.maxPayloadBytes }, host.nowS())
      return tx === undefined ? host.write(insertAll) : insertAll()
    },
    claim: (queue, workerId, limit, visibilityTimeoutS) => claimRows(host, queue, workerId, limit, visibilityTimeoutS),
    // One id (a job's own ack) skips the JSON array of the batch statement.
    ack: (ids, workerId) => (ids.length === 1 ? Number(ack(host, ids[0]!, workerId)) : ackMany(host, ids, workerId)),
    retry: (job, delayS, error) => retry(host, job.id, job.workerId, delayS, error),
    fail: (job, error) => fail(host, job.id, job.workerId, error),
    heartbeat: (job, extendS) => heartbeat(host, job.id, job.workerId, extendS),
    release: (job) => release(host, job.id, job.workerId),
    progress(job, text) {
      host.assertOpen()
      return host.executor.run(SET_PROGRESS, SET_PROGRESS.bind({ id: job.id, worker_id: job.workerId, progress: text, now: host.nowS() })).changes === 1
    },
    get(queue, id) {
      host.assertOpen()
      const live = host.executor.get<LiveJobRow & LiveJobExtras>(GET_LIVE_JOB, [id])
      if (live !== undefined) return live.queue === queue ? withExtras(liveRowToInfo(live), live) : null
      const dead = host.executor.get<DeadJobRow>(GET_DEAD_JOB, [id])
      return dead !== undefined && dead.queue === queue ? deadRowToInfo(dead) : null
    },
    cancel(id) {
      host.assertOpen()
      return host.executor.run(CANCEL_JOB, [id]).changes === 1
    },
    sweepExpired: (queue) => sweepExpired(host, queue),
    nextClaimAt: (queue) => nextClaimAt(host, queue),
    sleepUntilClaimableMs: (queue, fallbackMs) => sleepUntilClaimableMs(nextClaimAt(host, queue), host.nowMs(), fallbackMs),
    counts(queue) {
      host.assertOpen()
      const row = host.executor.get<Record<'pending' | 'delayed' | 'processing' | 'dead', number | bigint>>(
        QUEUE_COUNTS,
        QUEUE_COUNTS.bind({ queue, now: host.nowS() }),
      )!
      return { pending: toNumber(row.pending), delayed: toNumber(row.delayed), processing: toNumber(row.processing), dead: toNumber(row.dead) }
    },
    list: (queue, state, afterId, limit) => listLiveJobs(host, queue, state, afterId, limit),
    releaseClaims: (queue, ids, workerId, force) => releaseClaims(host, queue, ids, workerId, force),
    settings(queue) {
      host.assertOpen()
      return settingsFromRow(host.executor.get<QueueSettingsRow>(GET_QUEUE_SETTINGS, [queue]))
    },
    updateSettings(queue, change) {
      host.assertOpen()
      // The commit is the wake: idle consumers of the queue re-check on it.
      return host.write(() => {
        host.executor.run(UPSERT_QUEUE_SETTINGS, UPSERT_QUEUE_SETTINGS.bind(settingsParams(queue, change)))
        return settingsFromRow(host.executor.get<QueueSettingsRow>(GET_QUEUE_SETTINGS, [queue]))
      })
    },
    subscribe: () => host.subscribe(),
    workerStorage: (queue, job) => queueWorkerStorage(host, queue, job),
  }
}
