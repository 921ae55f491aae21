import type { Host } from '../host.ts'
import { decodePayload, encodePayload } from '../payload.ts'
import type { Transaction } from '../transaction.ts'
import { MAX_SECONDS, optionalInteger, requireInteger, requireObject } from '../validate.ts'
import { GET_RESULT, SAVE_RESULT, SWEEP_RESULTS } from './result.sql.ts'


export interface SaveResultOptions {
  /**
   * Keep the result this many whole seconds, then hide it (and let `sweepResults` delete it).
   * Omitted or 0: keep forever (honker's `ttl_s <= 0`).
   */
  ttlS?: number
  /** Save inside this transaction (from `db.transaction`), e.g. together with the job's ack. */
  tx?: Transaction
}

/**
 * What `getResult` found. `found: false` covers a result never saved, already swept and one
 * past its expiry; a saved `null` is `{ found: true, value: null }`.
 */
export type ResultLookup<T = unknown> = { found: true; value: T } | { found: false }

/** @internal Validate the job id the way every result call does. */
export function requireJobId(jobId: unknown): number {
  return requireInteger(jobId, 'jobId', { min: 1 })
}

/** Upsert a job's result as JSON text (honker_result_save). */
export function saveResult(host: Host, jobId: number, value: unknown, options: SaveResultOptions = {}): void {
  requireJobId(jobId)
  requireObject(options, 'options')
  const ttlS = optionalInteger(options.ttlS, 'ttlS', { min: 0, max: MAX_SECONDS }) ?? 0
  const text = encodePayload(value, 'value', host.maxPayloadBytes)
  const executor = host.executorFor(options.tx)
  const now = host.nowS()
  executor.run(
    SAVE_RESULT,
    SAVE_RESULT.bind({ job_id: jobId, value: text, now, expires_at: ttlS > 0 ? now + ttlS : null }),
  )
}

/** The stored text of a live result, or undefined (honker_result_get's NULL). */
export function getResultText(host: Host, jobId: number): string | undefined {
  requireJobId(jobId)
  host.assertOpen()
  const row = host.executor.get<{ value: string }>(GET_RESULT, GET_RESULT.bind({ job_id: jobId, now: host.nowS() }))
  return row?.value
}

export function getResult<T>(host: Host, jobId: number): ResultLookup<T> {
  const text = getResultText(host, jobId)
  if (text === undefined) return { found: false }
  return { found: true, value: decodePayload(text, `result of job ${jobId}`) as T }
}

/** Delete expired results (honker_result_sweep); returns how many. */
export function sweepResults(host: Host): number {
  host.assertOpen()
  return host.executor.run(SWEEP_RESULTS, SWEEP_RESULTS.bind({ now: host.nowS() })).changes
}
