import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from '../sqlite.ts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { open, type Job } from '@honker/core'
import { onCleanup } from '../helpers.ts'

/**
 * Property-based test of the job state machine (docs/compatibility.md 2.3 and 2.12) against a small
 * model written straight from the spec. fast-check generates random sequences of enqueue, claim,
 * ack, ackBatch, retry, fail, heartbeat, release, cancel, sweepExpired, nextClaimAt and clock
 * advances (a mutable millisecond clock passed to `open`); after every step the result of the call
 * and the whole of `_honker_live` and `_honker_dead` must equal the model's. That covers:
 * - ids from AUTOINCREMENT: always larger than any id issued before, never reused;
 * - ownership boundaries: a claim is owned while `claim_expires_at >= now` and reclaimable once
 *   `claim_expires_at < now` (clock steps of 1 ms, 999 ms and whole seconds land on both sides);
 * - attempts counted per claim (release gives the interrupted one back);
 * - dead letters with the right reason: the caller's error, 'max attempts exceeded' for exhausted
 *   jobs (dead-lettered on the next claim), 'expired';
 * - no row in both tables; every boolean and count a call returns.
 *
 * HONKER_PROPERTY_RUNS raises the number of runs (`pnpm soak` uses 2,000).
 */

const VISIBILITY_S = 2
const QUEUES: readonly string[] = ['a', 'b']
const WORKERS: readonly string[] = ['w0', 'w1', 'w2']
const START_MS = 1_800_000_000_000

type Command =
  | { kind: 'enqueue'; queue: number; priority: number; delayS: number | undefined; maxAttempts: number; expiresS: number | undefined }
  | { kind: 'claim'; queue: number; worker: number; limit: number }
  | { kind: 'ack' | 'fail' | 'release'; handle: number }
  | { kind: 'retry'; handle: number; delayS: number }
  | { kind: 'heartbeat'; handle: number; extendS: number }
  | { kind: 'ackBatch'; handles: number[]; worker: number }
  | { kind: 'cancel'; target: number }
  | { kind: 'sweep'; queue: number }
  | { kind: 'nextClaimAt'; queue: number }
  | { kind: 'advance'; ms: number }

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('enqueue' as const), queue: fc.integer({ min: 0, max: 1 }), priority: fc.integer({ min: 0, max: 2 }), delayS: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), maxAttempts: fc.integer({ min: 1, max: 3 }), expiresS: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('claim' as const), queue: fc.integer({ min: 0, max: 1 }), worker: fc.integer({ min: 0, max: 2 }), limit: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('ack' as const, 'fail' as const, 'release' as const), handle: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retry' as const), handle: fc.nat(), delayS: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('heartbeat' as const), handle: fc.nat(), extendS: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ackBatch' as const), handles: fc.array(fc.nat(), { maxLength: 3 }), worker: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), queue: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nextClaimAt' as const), queue: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 499, 999, 1000, 1000, 2000, 3000, 4000) }) },
)

interface LiveRow {
  id: number
  queue: string
  state: 'pending' | 'processing'
  priority: number
  run_at: number
  worker_id: string | null
  claim_expires_at: number | null
  attempts: number
  max_attempts: number
  expires_at: number | null
}

interface DeadRow {
  id: number
  queue: string
  priority: number
  run_at: number
  attempts: number
  max_attempts: number
  last_error: string
  died_at: number
}

/** The spec, as plain data and loops. */
class Model {
  readonly live = new Map<number, LiveRow>()
  readonly dead = new Map<number, DeadRow>()
  maxId = 0

  constructor(public nowMs: number) {}

  get now(): number {
    return Math.floor(this.nowMs / 1000)
  }

  enqueue(queue: string, c: Extract<Command, { kind: 'enqueue' }>, id: number): void {
    this.live.set(id, {
      id, queue, state: 'pending', priority: c.priority, run_at: c.delayS === undefined ? this.now : this.now + c.delayS,
      worker_id: null, claim_expires_at: null, attempts: 0, max_attempts: c.maxAttempts,
      expires_at: c.expiresS === undefined ? null : this.now + c.expiresS,
    })
    this.maxId = id
  }

  #notExpired(row: LiveRow): boolean {
    return row.expires_at === null || row.expires_at > this.now
  }

  #claimable(row: LiveRow): boolean {
    return (row.state === 'pending' && row.run_at <= this.now) || (row.state === 'processing' && row.claim_expires_at! < this.now)
  }

  #bury(row: LiveRow, error: string): void {
    this.live.delete(row.id)
    this.dead.set(row.id, {
      id: row.id, queue: row.queue, priority: row.priority, run_at: row.run_at, attempts: row.attempts,
      max_attempts: row.max_attempts, last_error: error, died_at: this.now,
    })
  }

  claim(queue: string, worker: string, limit: number): { id: number; attempts: number }[] {
    for (const row of [...this.live.values()]) {
      if (row.queue === queue && row.attempts >= row.max_attempts && this.#notExpired(row) && this.#claimable(row)) {
        this.#bury(row, 'max attempts exceeded')
      }
    }
    const chosen = [...this.live.values()]
      .filter((row) => row.queue === queue && row.attempts < row.max_attempts && this.#notExpired(row) && this.#claimable(row))
      .sort((x, y) => y.priority - x.priority || x.run_at - y.run_at || x.id - y.id)
      .slice(0, limit)
    for (const row of chosen) {
      row.state = 'processing'
      row.worker_id = worker
      row.claim_expires_at = this.now + VISIBILITY_S
      row.attempts++
    }
    return chosen.map((row) => ({ id: row.id, attempts: row.attempts }))
  }

  /** Owned: the worker's claim has not lapsed (`>=`). ack alone does not look at the state. */
  #owned(id: number, worker: string, checkState: boolean): LiveRow | null {
    const row = this.live.get(id)
    if (row === undefined || row.worker_id !== worker || row.claim_expires_at === null) return null
    if (checkState && row.state !== 'processing') return null
    return row.claim_expires_at >= this.now ? row : null
  }

  ack(id: number, worker: string): boolean {
    const row = this.#owned(id, worker, false)
    if (row !== null) this.live.delete(id)
    return row !== null
  }

  ackBatch(ids: number[], worker: string): number {
    let n = 0
    for (const id of new Set(ids)) if (this.ack(id, worker)) n++
    return n
  }

  retry(id: number, worker: string, delayS: number, error: string): boolean {
    const row = this.#owned(id, worker, true)
    if (row === null) return false
    if (row.attempts < row.max_attempts) {
      Object.assign(row, { state: 'pending', run_at: this.now + delayS, worker_id: null, claim_expires_at: null })
    } else {
      this.#bury(row, error)
    }
    return true
  }

  fail(id: number, worker: string, error: string): boolean {
    const row = this.#owned(id, worker, true)
    if (row !== null) this.#bury(row, error)
    return row !== null
  }

  heartbeat(id: number, worker: string, extendS: number): boolean {
    const row = this.#owned(id, worker, true)
    if (row !== null) row.claim_expires_at = this.now + extendS
    return row !== null
  }

  release(id: number, worker: string): boolean {
    const row = this.#owned(id, worker, true)
    if (row !== null) Object.assign(row, { state: 'pending', worker_id: null, claim_expires_at: null, attempts: Math.max(row.attempts - 1, 0) })
    return row !== null
  }

  cancel(id: number): boolean {
    return this.live.delete(id)
  }

  sweep(queue: string): number {
    let n = 0
    for (const row of [...this.live.values()]) {
      if (row.queue !== queue || row.expires_at === null || row.expires_at > this.now) continue
      if (row.state === 'pending' || row.claim_expires_at! < this.now) {
        this.#bury(row, 'expired')
        n++
      }
    }
    return n
  }

  nextClaimAt(queue: string): number | null {
    const at: number[] = []
    for (const row of this.live.values()) {
      if (row.queue !== queue || row.attempts >= row.max_attempts || !this.#notExpired(row)) continue
      if (row.state === 'pending' && row.run_at > this.now) at.push(row.run_at)
      if (row.state === 'processing' && row.claim_expires_at! >= this.now) at.push(row.claim_expires_at! + 1)
    }
    return at.length === 0 ? null : Math.min(...at)
  }
}

interface Handle {
  job: Job
  worker: string
}

/** How often each interesting outcome came up over all runs, so the property cannot pass vacuously. */
type Seen = Record<string, number>

function note(seen: Seen, key: string, happened = true): void {
  if (happened) seen[key] = (seen[key] ?? 0) + 1
}

function runSequence(dir: string, run: number, commands: Command[], seen: Seen): void {
  const file = path.join(dir, `run-${run}.db`)
  const clock = { ms: START_MS }
  const db = open(file, { clock: { now: () => clock.ms } })
  const reader = new Database(file, { readonly: true })
  try {
    const queues = QUEUES.map((name) => db.queue(name, { visibilityTimeoutS: VISIBILITY_S }))
    const model = new Model(START_MS)
    const handles: Handle[] = []
    const issued: number[] = []
    const liveRows = reader.prepare(
      `SELECT id, queue, state, priority, run_at, worker_id, claim_expires_at, attempts, max_attempts, expires_at FROM _honker_live ORDER BY id`,
    )
    const deadRows = reader.prepare(`SELECT id, queue, priority, run_at, attempts, max_attempts, last_error, died_at FROM _honker_dead ORDER BY id`)
    const inBoth = reader.prepare(`SELECT count(*) FROM _honker_live JOIN _honker_dead USING (id)`).pluck()
    const handleAt = (i: number): Handle | undefined => handles[i % Math.max(1, handles.length)]

    for (const [step, c] of commands.entries()) {
      const where = `step ${step}: ${JSON.stringify(c)}`
      switch (c.kind) {
        case 'enqueue': {
          const id = queues[c.queue]!.enqueue({ step }, { priority: c.priority, delayS: c.delayS, maxAttempts: c.maxAttempts, expiresS: c.expiresS })
          expect(id, `${where}: ids only grow (AUTOINCREMENT, never reused)`).toBe(model.maxId + 1)
          model.enqueue(QUEUES[c.queue]!, c, id)
          issued.push(id)
          break
        }
        case 'claim': {
          const worker = WORKERS[c.worker]!
          const jobs = queues[c.queue]!.claimBatch(worker, c.limit)
          expect(jobs.map((job) => ({ id: job.id, attempts: job.attempts })), where).toEqual(model.claim(QUEUES[c.queue]!, worker, c.limit))
          for (const job of jobs) handles.push({ job, worker })
          note(seen, 'reclaim', jobs.some((job) => job.attempts > 1))
          break
        }
        case 'ack':
        case 'fail':
        case 'release': {
          const handle = handleAt(c.handle)
          if (handle === undefined) break
          const { job, worker } = handle
          const actual = c.kind === 'ack' ? job.ack() : c.kind === 'fail' ? job.fail(`fail at ${step}`) : job.release()
          const expected =
            c.kind === 'ack' ? model.ack(job.id, worker) : c.kind === 'fail' ? model.fail(job.id, worker, `fail at ${step}`) : model.release(job.id, worker)
          expect(actual, where).toBe(expected)
          note(seen, `${c.kind}:${expected}`)
          break
        }
        case 'retry': {
          const handle = handleAt(c.handle)
          if (handle === undefined) break
          const actual = handle.job.retry({ delayS: c.delayS, error: new TypeError(`retry at ${step}`) })
          const expected = model.retry(handle.job.id, handle.worker, c.delayS, `TypeError: retry at ${step}`)
          expect(actual, where).toBe(expected)
          note(seen, `retry:${expected}`)
          break
        }
        case 'heartbeat': {
          const handle = handleAt(c.handle)
          if (handle === undefined) break
          const expected = model.heartbeat(handle.job.id, handle.worker, c.extendS)
          expect(handle.job.heartbeat(c.extendS), where).toBe(expected)
          note(seen, `heartbeat:${expected}`)
          break
        }
        case 'ackBatch': {
          const chosen = c.handles.map(handleAt).filter((h): h is Handle => h !== undefined)
          const worker = WORKERS[c.worker]!
          const ids = chosen.map((h) => h.job.id)
          expect(queues[0]!.ackBatch(ids, worker), where).toBe(model.ackBatch(ids, worker))
          break
        }
        case 'cancel': {
          // Mostly ids that were issued (live, acked or dead), sometimes one never issued.
          const id = c.target % 5 === 4 || issued.length === 0 ? model.maxId + 1 + (c.target % 3) : issued[c.target % issued.length]!
          const expected = model.cancel(id)
          expect(queues[0]!.cancel(id), where).toBe(expected)
          note(seen, `cancel:${expected}`)
          break
        }
        case 'sweep':
          expect(queues[c.queue]!.sweepExpired(), where).toBe(model.sweep(QUEUES[c.queue]!))
          break
        case 'nextClaimAt':
          const expected = model.nextClaimAt(QUEUES[c.queue]!)
          expect(queues[c.queue]!.nextClaimAt(), where).toBe(expected)
          note(seen, 'nextClaimAt:set', expected !== null)
          break
        case 'advance':
          clock.ms += c.ms
          model.nowMs = clock.ms
          break
      }
      expect(liveRows.all(), `${where}: _honker_live`).toEqual([...model.live.values()].sort((x, y) => x.id - y.id))
      expect(deadRows.all(), `${where}: _honker_dead`).toEqual([...model.dead.values()].sort((x, y) => x.id - y.id))
      expect(inBoth.get(), `${where}: a row in both tables`).toBe(0)
    }
    for (const row of model.dead.values()) {
      note(seen, row.last_error === 'max attempts exceeded' ? 'dead:exhausted' : row.last_error === 'expired' ? 'dead:expired' : row.last_error.startsWith('TypeError') ? 'dead:retry' : 'dead:fail')
    }
  } finally {
    reader.close()
    db.close()
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
  }
}

describe('job state machine against the model (fast-check)', () => {
  it('random sequences of operations and clock steps keep every invariant of the job state machine (docs/compatibility.md 2.12)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'honker-property-'))
    onCleanup(() => rmSync(dir, { recursive: true, force: true }))
    let run = 0
    const seen: Seen = {}
    fc.assert(
      fc.property(fc.array(command, { minLength: 15, maxLength: 80, size: 'max' }), (commands) => {
        runSequence(dir, run++, commands, seen)
      }),
      { numRuns: Number(process.env.HONKER_PROPERTY_RUNS ?? 150) },
    )
    console.log(`[job state machine] ${run} runs; outcomes: ${JSON.stringify(seen)}`)
    const outcomes = ['reclaim', 'ack:true', 'ack:false', 'fail:true', 'fail:false', 'release:true', 'release:false', 'retry:true', 'retry:false', 'heartbeat:true', 'heartbeat:false', 'cancel:true', 'cancel:false', 'nextClaimAt:set', 'dead:exhausted', 'dead:expired', 'dead:retry', 'dead:fail']
    for (const outcome of outcomes) expect(seen[outcome] ?? 0, outcome).toBeGreaterThan(0)
  })

  it('the model is not vacuous: a known sequence reaches every terminal reason', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'honker-property-'))
    onCleanup(() => rmSync(dir, { recursive: true, force: true }))
    const file = path.join(dir, 'known.db')
    const clock = { ms: START_MS }
    const db = open(file, { clock: { now: () => clock.ms } })
    onCleanup(() => db.close())
    const q = db.queue('a', { visibilityTimeoutS: VISIBILITY_S })
    const exhausted = q.enqueue('x', { maxAttempts: 1 })
    const failed = q.enqueue('y')
    const expiring = q.enqueue('z', { expiresS: 1, delayS: 5 })
    const [first, second] = q.claimBatch('w0', 2)
    expect([first!.id, second!.id]).toEqual([exhausted, failed])
    expect(second!.fail('boom')).toBe(true)
    clock.ms += (VISIBILITY_S + 1) * 1000 // exhausted's only claim lapses: next claim dead-letters it
    expect(first!.ack()).toBe(false)
    expect(q.claimOne('w1')).toBeNull()
    expect(q.sweepExpired()).toBe(1)
    const reasons = Object.fromEntries([exhausted, failed, expiring].map((id) => [id, q.getJob(id)!.lastError]))
    expect(reasons).toEqual({ [exhausted]: 'max attempts exceeded', [failed]: 'boom', [expiring]: 'expired' })
  })
})
