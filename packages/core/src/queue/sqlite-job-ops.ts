import type { JobOps } from '../engine/job-ops.ts'
import type { Host } from '../host.ts'
import type { Transaction } from '../transaction.ts'
import { ackMany, claimRows, nextClaimAt, sleepUntilClaimableMs, sweepExpired } from './claim.ts'
import { enqueueManyWith, enqueueTraced, enqueueWith, tryInsertUnique } from './enqueue.ts'
import { getInstrumentation } from '../instrumentation.ts'
import { deadRowToInfo, historyRowToInfo, liveRowToInfo, toNumber, withExtras, type DeadJobRow, type HistoryJobRow, type LiveJobExtras, type LiveJobRow } from './job-row.ts'
import { listLiveJobs, releaseClaims } from './live-jobs.ts'
import { queueWorkerStorage } from './queue-worker-storage.ts'
import { CANCEL_JOB, GET_DEAD_JOB, GET_LIVE_JOB, GET_QUEUE_SETTINGS, QUEUE_COUNTS, SET_PROGRESS, UPSERT_QUEUE_SETTINGS } from './queue.sql.ts'
import { settingsFromRow, settingsParams, type QueueSettingsRow } from './queue-settings.ts'
import { ack, fail, heartbeat, release, retry } from './transitions.ts'
import { readJournal, recordEvent } from './journal.ts'
import { GET_HISTORY_JOB, LAST_EVENT_ID, LIST_EVENTS, LIST_HISTORY } from './journal.sql.ts'
import { eventFromRow, type EventRow } from './queue-event.ts'

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
      const defaults = { maxAttempts, maxPayloadBytes: host.maxPayloadBytes }
      const insert = () => enqueueWith(executor, queue, payload, options, defaults, host.nowS())
      if (tx !== undefined || options.uniqueKey === undefined) return insert()
      // A free key takes one INSERT. A held one takes several statements (the holder, an expired
      // one's dead letter), so that path runs in one write transaction.
      const instrumentation = getInstrumentation()
      if (instrumentation === undefined) return tryInsertUnique(executor, queue, payload, options, defaults, host.nowS()) ?? host.write(insert)
      // One producer span for both steps.
      return instrumentation.enqueue(queue, 1, (traceContext) =>
        tryInsertUnique(executor, queue, payload, options, defaults, host.nowS(), traceContext) ??
        host.write(() => enqueueTraced(executor, queue, payload, options, defaults, host.nowS(), traceContext)),
      )
    },
    insert(queue, payloads, options, maxAttempts, tx) {
      const executor = host.executorFor(tx)
      const insertAll = () => enqueueManyWith(executor, queue, payloads, options, { maxAttempts, maxPayloadBytes: host.maxPayloadBytes }, host.nowS())
      return tx === undefined ? host.write(insertAll) : insertAll()
    },
    claim: (queue, workerId, limit, visibilityTimeoutS) => claimRows(host, queue, workerId, limit, visibilityTimeoutS),
    // One id (a job's own ack) skips the JSON array of the batch statement.
    ack: (queue, ids, workerId) => (ids.length === 1 ? Number(ack(host, queue, ids[0]!, workerId)) : ackMany(host, queue, ids, workerId)),
    retry: (job, delayS, error) => retry(host, job.queue, job.id, job.workerId, delayS, error),
    fail: (job, error) => fail(host, job.queue, job.id, job.workerId, error),
    heartbeat: (job, extendS) => heartbeat(host, job.id, job.workerId, extendS),
    release: (job) => release(host, job.id, job.workerId),
    progress(job, text) {
      host.assertOpen()
      const write = () => {
        const now = host.nowS()
        const written = host.executor.run(SET_PROGRESS, SET_PROGRESS.bind({ id: job.id, worker_id: job.workerId, progress: text, now })).changes === 1
        if (written && readJournal(host, job.queue)?.events === true) recordEvent(host, job.queue, job.id, 'progress', { progress: JSON.parse(text) }, now)
        return written
      }
      return host.write(write)
    },
    get(queue, id) {
      host.assertOpen()
      const live = host.executor.get<LiveJobRow & LiveJobExtras>(GET_LIVE_JOB, [id])
      if (live !== undefined) return live.queue === queue ? withExtras(liveRowToInfo(live), live) : null
      const dead = host.executor.get<DeadJobRow>(GET_DEAD_JOB, [id])
      if (dead !== undefined) return dead.queue === queue ? deadRowToInfo(dead) : null
      const kept = host.executor.get<HistoryJobRow>(GET_HISTORY_JOB, [id])
      return kept !== undefined && kept.queue === queue ? historyRowToInfo(kept) : null
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
    history(queue, afterId, limit) {
      host.assertOpen()
      return host.executor.all<HistoryJobRow>(LIST_HISTORY, LIST_HISTORY.bind({ queue, state: 'completed', after_id: afterId, limit })).map(historyRowToInfo)
    },
    events(queue, afterId, limit) {
      host.assertOpen()
      return host.executor.all<EventRow>(LIST_EVENTS, LIST_EVENTS.bind({ queue, after_id: afterId, limit })).map(eventFromRow)
    },
    lastEventId(queue) {
      host.assertOpen()
      return toNumber(host.executor.get<{ id: number | bigint }>(LAST_EVENT_ID, [queue])!.id)
    },
    subscribeEvents: () => host.subscribe(),
    subscribe: () => host.subscribe(),
    workerStorage: (queue, job) => queueWorkerStorage(host, queue, job),
  }
}
