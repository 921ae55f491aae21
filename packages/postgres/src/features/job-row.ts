import type { JobInfo } from '@honker/core/engine'

/** A `_honker_live` row as `pg` returns it: bigint columns come as strings (or numbers from JSON). */
export interface PgJobRow {
  id: string | number
  queue: string
  payload: string
  state: 'pending' | 'processing' | 'dead'
  priority: string | number
  run_at: string | number
  worker_id: string | null
  claim_expires_at: string | number | null
  attempts: string | number
  max_attempts: string | number
  created_at: string | number
  expires_at: string | number | null
  last_error?: string | null
  died_at?: string | number | null
}

export const num = (value: string | number): number => Number(value)
export const nullableNum = (value: string | number | null | undefined): number | null =>
  value === null || value === undefined ? null : Number(value)

export function rowToInfo(row: PgJobRow): JobInfo {
  return {
    id: num(row.id),
    queue: row.queue,
    payloadText: row.payload,
    state: row.state,
    priority: num(row.priority),
    runAt: num(row.run_at),
    workerId: row.worker_id,
    claimExpiresAt: nullableNum(row.claim_expires_at),
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    createdAt: num(row.created_at),
    expiresAt: nullableNum(row.expires_at),
    lastError: row.last_error ?? null,
    diedAt: nullableNum(row.died_at),
  }
}

export function deadRowToInfo(row: Omit<PgJobRow, 'state' | 'worker_id' | 'claim_expires_at' | 'expires_at'>): JobInfo {
  return rowToInfo({ ...row, state: 'dead', worker_id: null, claim_expires_at: null, expires_at: null })
}
