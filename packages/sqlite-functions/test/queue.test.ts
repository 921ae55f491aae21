import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { manualClock, openPair, type Pair } from './helpers.ts'

// Every test mixes the two doors on one file: jobs written through SQL are read through the core
// API and the other way round, with one clock for both.

type JobJson = Record<string, unknown>

function enqueueSql(pair: Pair, queue: string, payload: unknown, args: { runAt?: number; delay?: number; priority?: number; maxAttempts?: number; expires?: number } = {}): number {
  return pair.sql<number>(
    'SELECT honker_enqueue(?, ?, ?, ?, ?, ?, ?)',
    queue,
    JSON.stringify(payload),
    args.runAt ?? null,
    args.delay ?? null,
    args.priority ?? 0,
    args.maxAttempts ?? 3,
    args.expires ?? null,
  )
}

function getJobSql(pair: Pair, id: number): JobJson | '' {
  const text = pair.sql<string>('SELECT honker_get_job(?)', id)
  return text === '' ? '' : (JSON.parse(text) as JobJson)
}

function claimSql(pair: Pair, queue: string, worker: string, n: number, visibilityS: number): JobJson[] {
  return JSON.parse(pair.sql<string>('SELECT honker_claim_batch(?, ?, ?, ?)', queue, worker, n, visibilityS)) as JobJson[]
}

describe('honker_enqueue', () => {
  it('writes the same row as queue.enqueue with the same options', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const queue = pair.db.queue('emails')
    const cases = [
      [{}, {}],
      [{ priority: 7, maxAttempts: 5 }, { priority: 7, maxAttempts: 5 }],
      [{ delayS: 30 }, { delay: 30 }],
      [{ runAt: clock.s() + 90 }, { runAt: clock.s() + 90 }],
      [{ expiresS: 60 }, { expires: 60 }],
    ] as const
    for (const [apiOptions, sqlArgs] of cases) {
      const viaApi = queue.getJob(queue.enqueue({ to: 'a@example.com' }, apiOptions))!
      const viaSql = queue.getJob(enqueueSql(pair, 'emails', { to: 'a@example.com' }, sqlArgs))!
      expect(viaSql.id).toBe(viaApi.id + 1)
      expect({ ...viaSql, id: 0 }).toEqual({ ...viaApi, id: 0 })
    }
  })

  it('lets delay win over run_at, as honker does', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const id = enqueueSql(pair, 'q', 1, { runAt: clock.s() + 1000, delay: 5 })
    expect(pair.db.queue('q').getJob(id)!.runAt).toBe(clock.s() + 5)
  })

  it('writes no notification row (the insert itself wakes listeners)', () => {
    const pair = openPair()
    enqueueSql(pair, 'q', 1)
    expect(pair.sql('SELECT count(*) FROM _honker_notifications')).toBe(0)
  })
})

describe('honker_get_job', () => {
  it('reports a live job exactly as queue.getJob does, and an empty string on a miss', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const queue = pair.db.queue('q')
    const id = queue.enqueue({ n: 1 }, { priority: 2, expiresS: 100 })
    const job = queue.claimOne('w1')!
    const info = queue.getJob(id)!
    expect(getJobSql(pair, id)).toEqual({
      id: info.id,
      queue: info.queue,
      payload: info.payloadText,
      state: info.state,
      priority: info.priority,
      run_at: info.runAt,
      worker_id: info.workerId,
      claim_expires_at: info.claimExpiresAt,
      attempts: info.attempts,
      max_attempts: info.maxAttempts,
      created_at: info.createdAt,
      expires_at: info.expiresAt,
    })
    job.ack()
    expect(getJobSql(pair, id)).toBe('')
    expect(getJobSql(pair, 9999)).toBe('')
  })
})

describe('honker_claim_batch', () => {
  it('claims jobs enqueued through the API in priority order, as claimBatch would', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const queue = pair.db.queue('q', { visibilityTimeoutS: 30 })
    const low = queue.enqueue('low')
    const high = queue.enqueue('high', { priority: 5 })
    const later = queue.enqueue('later', { delayS: 10 })
    const claimed = claimSql(pair, 'q', 'w1', 10, 30)
    expect(claimed).toEqual([
      { id: high, queue: 'q', payload: '"high"', worker_id: 'w1', attempts: 1, claim_expires_at: clock.s() + 30 },
      { id: low, queue: 'q', payload: '"low"', worker_id: 'w1', attempts: 1, claim_expires_at: clock.s() + 30 },
    ])
    expect(queue.getJob(high)).toMatchObject({ state: 'processing', workerId: 'w1', attempts: 1 })
    expect(queue.claimOne('w2')).toBeNull()
    clock.advance(10)
    expect(claimSql(pair, 'q', 'w1', 10, 30).map((row) => row.id)).toEqual([later])
  })

  it('returns what the API claim returns on an identical file', () => {
    const clock = manualClock()
    const viaApi = openPair({ clock })
    const viaSql = openPair({ clock })
    for (const pair of [viaApi, viaSql]) {
      const queue = pair.db.queue('q')
      for (let i = 0; i < 5; i++) queue.enqueue({ i }, { priority: i % 2 })
    }
    const jobs = viaApi.db.queue('q', { visibilityTimeoutS: 45 }).claimBatch('w', 3)
    expect(claimSql(viaSql, 'q', 'w', 3, 45)).toEqual(
      jobs.map((job) => ({
        id: job.id,
        queue: job.queue,
        payload: job.payloadText,
        worker_id: job.workerId,
        attempts: job.attempts,
        claim_expires_at: job.claimExpiresAt,
      })),
    )
  })

  it('reclaims a lapsed claim and dead-letters a job whose attempts are used up', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const queue = pair.db.queue('q')
    const id = queue.enqueue('x', { maxAttempts: 2 })
    expect(claimSql(pair, 'q', 'w1', 1, 10)[0]).toMatchObject({ id, attempts: 1 })
    clock.advance(11)
    expect(claimSql(pair, 'q', 'w2', 1, 10)[0]).toMatchObject({ id, attempts: 2, worker_id: 'w2' })
    clock.advance(11)
    expect(claimSql(pair, 'q', 'w3', 1, 10)).toEqual([])
    expect(queue.getJob(id)).toMatchObject({ state: 'dead', attempts: 2, lastError: 'max attempts exceeded', diedAt: clock.s() })
  })
})

describe('job transitions through SQL on jobs claimed through the API', () => {
  it('honker_ack and honker_ack_batch need the owning worker and an unexpired claim', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const queue = pair.db.queue('q', { visibilityTimeoutS: 10 })
    queue.enqueueMany([1, 2, 3, 4])
    const [a, b, c, d] = queue.claimBatch('w1', 4)
    expect(pair.sql('SELECT honker_ack(?, ?)', a!.id, 'w2')).toBe(0)
    expect(pair.sql('SELECT honker_ack(?, ?)', a!.id, 'w1')).toBe(1)
    expect(pair.sql('SELECT honker_ack(?, ?)', a!.id, 'w1')).toBe(0)
    expect(queue.getJob(a!.id)).toBeNull()
    expect(pair.sql('SELECT honker_ack_batch(?, ?)', JSON.stringify([b!.id, c!.id, 999]), 'w1')).toBe(2)
    clock.advance(11)
    expect(pair.sql('SELECT honker_ack(?, ?)', d!.id, 'w1')).toBe(0)
    expect(queue.getJob(d!.id)!.state).toBe('processing')
  })

  it('honker_retry puts the job back after the delay, or dead-letters it with the caller error on the last attempt', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const queue = pair.db.queue('q', { maxAttempts: 2 })
    const id = queue.enqueue('x')
    queue.claimOne('w1')
    expect(pair.sql('SELECT honker_retry(?, ?, ?, ?)', id, 'w2', 5, 'nope')).toBe(0)
    expect(pair.sql('SELECT honker_retry(?, ?, ?, ?)', id, 'w1', 5, 'boom')).toBe(1)
    expect(queue.getJob(id)).toMatchObject({ state: 'pending', runAt: clock.s() + 5, attempts: 1, workerId: null })
    clock.advance(5)
    queue.claimOne('w1')
    expect(pair.sql('SELECT honker_retry(?, ?, ?, ?)', id, 'w1', 5, 'boom again')).toBe(1)
    expect(queue.getJob(id)).toMatchObject({ state: 'dead', attempts: 2, lastError: 'boom again' })
  })

  it('honker_fail dead-letters whatever attempts remain; honker_cancel deletes regardless of owner', () => {
    const pair = openPair()
    const queue = pair.db.queue('q', { maxAttempts: 9 })
    const failed = queue.enqueue('f')
    const cancelled = queue.enqueue('c')
    queue.claimBatch('w1', 2)
    expect(pair.sql('SELECT honker_fail(?, ?, ?)', failed, 'w1', 'bad input')).toBe(1)
    expect(queue.getJob(failed)).toMatchObject({ state: 'dead', lastError: 'bad input', attempts: 1 })
    expect(pair.sql('SELECT honker_cancel(?)', cancelled)).toBe(1)
    expect(pair.sql('SELECT honker_cancel(?)', cancelled)).toBe(0)
    expect(queue.getJob(cancelled)).toBeNull()
  })

  it('honker_heartbeat sets the claim to now + extend_s, and never revives a lapsed claim', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const queue = pair.db.queue('q', { visibilityTimeoutS: 10 })
    const id = queue.enqueue('x')
    const job = queue.claimOne('w1')!
    clock.advance(4)
    expect(pair.sql('SELECT honker_heartbeat(?, ?, ?)', id, 'w1', 60)).toBe(1)
    expect(queue.getJob(id)!.claimExpiresAt).toBe(clock.s() + 60)
    expect(pair.sql('SELECT honker_heartbeat(?, ?, ?)', id, 'w2', 60)).toBe(0)
    clock.advance(61)
    expect(pair.sql('SELECT honker_heartbeat(?, ?, ?)', id, 'w1', 60)).toBe(0)
    expect(job.ack()).toBe(false)
  })
})

describe('honker_queue_next_claim_at and honker_sweep_expired', () => {
  it('agree with queue.nextClaimAt (0 for none) and queue.sweepExpired', () => {
    const clock = manualClock()
    const pair = openPair({ clock })
    const queue = pair.db.queue('q', { visibilityTimeoutS: 20 })
    expect(pair.sql('SELECT honker_queue_next_claim_at(?)', 'q')).toBe(0)
    expect(queue.nextClaimAt()).toBeNull()
    queue.enqueue('soon', { delayS: 50 })
    queue.enqueue('now')
    queue.claimOne('w')
    expect(pair.sql('SELECT honker_queue_next_claim_at(?)', 'q')).toBe(queue.nextClaimAt())
    expect(queue.nextClaimAt()).toBe(clock.s() + 21)

    const expiring = queue.enqueue('stale', { expiresS: 5 })
    clock.advance(5)
    expect(pair.sql('SELECT honker_sweep_expired(?)', 'q')).toBe(1)
    expect(queue.getJob(expiring)).toMatchObject({ state: 'dead', lastError: 'expired' })
    expect(pair.sql('SELECT honker_sweep_expired(?)', 'q')).toBe(queue.sweepExpired())
  })
})

describe('another connection on the same file', () => {
  it('sees committed SQL work through its own API', () => {
    const pair = openPair()
    const id = enqueueSql(pair, 'q', { hello: 'world' })
    const other = open(pair.path)
    try {
      const job = other.queue<{ hello: string }>('q').claimOne('elsewhere')!
      expect(job.id).toBe(id)
      expect(job.payload).toEqual({ hello: 'world' })
      expect(job.ack()).toBe(true)
    } finally {
      other.close()
    }
    expect(getJobSql(pair, id)).toBe('')
  })
})
