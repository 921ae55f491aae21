import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { open, type Database, type Worker } from '@honker/core'
import { outboxBackoff } from '../src/outbox/outbox.ts'
import { backoffDelayS, resolveBackoff } from '../src/worker/backoff.ts'
import { onCleanup, sleep, tempDbPath } from './helpers.ts'
import { native, nativeSkipReason } from './native.ts'

function until<T>(predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const tick = (): void => {
      const value = predicate()
      if (value) return resolve(value)
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not met in time'))
      setTimeout(tick, 5)
    }
    tick()
  })
}

function stopAfter<P>(worker: Worker<P>): void {
  onCleanup(() => void worker.stop({ timeoutMs: 0 }))
}

function openDb(file = tempDbPath(), clock?: { now(): number }): { db: Database; file: string } {
  const db = clock === undefined ? open(file) : open(file, { clock })
  onCleanup(() => db.close())
  return { db, file }
}

describe('outbox', () => {
  it('delivers only committed messages, after their transaction commits', async () => {
    const { db, file } = openDb()
    db.transaction((tx) => tx.run('CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT)'))
    const reader = new Sqlite(file, { readonly: true })
    onCleanup(() => reader.close())
    const delivered: { payload: { orderId: number }; orderVisible: unknown; queue: string }[] = []
    const webhooks = db.outbox<{ orderId: number }>('webhooks', (payload, job) => {
      // What a receiver calling back into the app would see: the order must already be committed.
      delivered.push({ payload, orderVisible: reader.prepare('SELECT status FROM orders WHERE id = ?').pluck().get(payload.orderId), queue: job.queue })
    })
    const worker = webhooks.start({ fallbackPollMs: null })
    stopAfter(worker)

    expect(() =>
      db.transaction((tx) => {
        tx.run("INSERT INTO orders (id, status) VALUES (1, 'paid')")
        webhooks.enqueue({ orderId: 1 }, { tx })
        throw new Error('card declined')
      }),
    ).toThrow('card declined')
    expect(webhooks.queue.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })

    const id = db.transaction((tx) => {
      tx.run("INSERT INTO orders (id, status) VALUES (2, 'paid')")
      return webhooks.enqueue({ orderId: 2 }, { tx })
    })
    await until(() => worker.stats.completed === 1)
    expect(delivered).toEqual([{ payload: { orderId: 2 }, orderVisible: 'paid', queue: '_outbox:webhooks' }])
    expect(webhooks.queue.getJob(id)).toBeNull() // acked
    await sleep(50)
    expect(delivered).toHaveLength(1)
  })

  it('retries a failing delivery after honker delays 5, 10, 20, 40 s and dead-letters the 5th failure', async () => {
    const start = 1_800_000_000
    const clock = { t: start * 1000, now: () => clock.t }
    const { db } = openDb(tempDbPath(), clock)
    const attempts: number[] = []
    const hooks = db.outbox('hooks', (_payload, job) => {
      attempts.push(job.attempts)
      throw new Error('HTTP 503 from partner')
    })
    expect(hooks.queue.name).toBe('_outbox:hooks')
    const worker = hooks.start({ fallbackPollMs: null, sweepIntervalMs: null })
    stopAfter(worker)
    const poke = db.queue('poke') // any commit wakes the worker after the clock moves
    const id = hooks.enqueue({ event: 'order.paid' })

    let now = start
    const expectedDelays = [5, 10, 20, 40]
    for (const [index, delay] of expectedDelays.entries()) {
      await until(() => worker.stats.retried === index + 1)
      expect(hooks.queue.getJob(id)).toMatchObject({ state: 'pending', attempts: index + 1, maxAttempts: 5, runAt: now + delay })
      if (index === 0) {
        // Not due one second early.
        clock.t = (now + delay - 1) * 1000
        poke.enqueue(1)
        await sleep(100)
        expect(attempts).toEqual([1])
      }
      now += delay
      clock.t = now * 1000
      poke.enqueue(1)
    }
    await until(() => worker.stats.dead === 1)
    expect(attempts).toEqual([1, 2, 3, 4, 5])
    expect(hooks.queue.getJob(id)).toMatchObject({
      state: 'dead',
      attempts: 5,
      maxAttempts: 5,
      lastError: 'HTTP 503 from partner',
      diedAt: now,
      payloadText: '{"event":"order.paid"}',
    })
  })

  it('takes maxAttempts, baseBackoffS and visibilityTimeoutS from its options', async () => {
    const start = 1_000_000
    const clock = { t: start * 1000, now: () => clock.t }
    const { db } = openDb(tempDbPath(), clock)
    const hooks = db.outbox(
      'custom',
      () => {
        throw new TypeError('bad gateway')
      },
      { maxAttempts: 2, baseBackoffS: 3, visibilityTimeoutS: 7 },
    )
    let claimExpiresAt: number | null = null
    const worker = hooks.start({ fallbackPollMs: null, sweepIntervalMs: null })
    stopAfter(worker)
    worker.on('job:retried', (job) => (claimExpiresAt = job.claimExpiresAt))
    const id = hooks.enqueue('x')
    await until(() => worker.stats.retried === 1)
    expect(claimExpiresAt).toBe(start + 7)
    expect(hooks.queue.getJob(id)).toMatchObject({ state: 'pending', attempts: 1, maxAttempts: 2, runAt: start + 3 })
    clock.t = (start + 3) * 1000
    db.queue('poke').enqueue(1)
    await until(() => worker.stats.dead === 1)
    expect(hooks.queue.getJob(id)).toMatchObject({ state: 'dead', attempts: 2, lastError: 'TypeError: bad gateway' })
  })

  it('uses exactly honker\'s ceil(base * 2^max(0, attempts-1)) through the worker backoff', () => {
    for (let base = 0; base <= 12; base++) {
      const backoff = resolveBackoff(outboxBackoff(base))
      for (let attempts = 1; attempts <= 25; attempts++) {
        const honker = base <= 0 ? 0 : Math.ceil(base * 2 ** Math.max(0, attempts - 1))
        expect(backoffDelayS(attempts, backoff, () => 0.73)).toBe(honker)
      }
    }
  })

  it('run() delivers until its signal aborts, then resolves', async () => {
    const { db } = openDb()
    const seen: number[] = []
    const box = db.outbox<number>('numbers', (n) => void seen.push(n))
    box.enqueue(1)
    const controller = new AbortController()
    const running = box.run({ signal: controller.signal, fallbackPollMs: null })
    box.enqueue(2)
    await until(() => seen.length === 2)
    controller.abort()
    await expect(running).resolves.toBeUndefined()
    box.enqueue(3)
    await sleep(50)
    expect(seen).toEqual([1, 2])
    expect(box.queue.counts().pending).toBe(1)
  })

  it('rejects bad arguments with coded errors and writes nothing', () => {
    const { db, file } = openDb()
    const invalid = expect.objectContaining({ code: 'invalid_argument' })
    const deliver = (): void => {}
    expect(() => db.outbox('', deliver)).toThrow(invalid)
    expect(() => db.outbox('x', 'not a function' as never)).toThrow(invalid)
    expect(() => db.outbox('x', deliver, { maxAttempts: 0 })).toThrow(invalid)
    expect(() => db.outbox('x', deliver, { baseBackoffS: -1 })).toThrow(invalid)
    expect(() => db.outbox('x', deliver, { baseBackoffS: 2.5 })).toThrow(invalid)
    expect(() => db.outbox('x', deliver, { visibilityTimeoutS: 0 })).toThrow(invalid)
    const box = db.outbox('x', deliver)
    expect(() => box.start({ backoff: { baseS: 1 } } as never)).toThrow(invalid)
    expect(() => box.start({ concurrency: 0 })).toThrow(invalid)
    expect(() => box.enqueue(undefined)).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
    expect(() => box.enqueue(1, { tx: {} as never })).toThrow(invalid)
    const handle = new Sqlite(file, { readonly: true })
    expect(handle.prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(0)
    handle.close()
  })
})

describe.skipIf(nativeSkipReason !== null)('outbox shared with honker 0.5 native', () => {
  it('delivers a message honker enqueued on _outbox:<name>, and honker claims ours there', async () => {
    const { db, file } = openDb()
    const delivered: unknown[] = []
    const box = db.outbox('mail', (payload) => void delivered.push(payload))
    await native({ op: 'enqueue', db: file, queue: '_outbox:mail', jobs: [{ payload: { to: 'a@example.com' }, maxAttempts: 5 }] })
    const worker = box.start({ fallbackPollMs: null })
    await until(() => worker.stats.completed === 1)
    await worker.stop()
    expect(delivered).toEqual([{ to: 'a@example.com' }])

    const id = box.enqueue({ to: 'b@example.com' })
    const out = await native({ op: 'claim', db: file, queue: '_outbox:mail', workerId: 'honker', n: 10, visibilityS: 60 })
    expect(out.claimed!.rows).toEqual([expect.objectContaining({ id, queue: '_outbox:mail', payload: '{"to":"b@example.com"}', attempts: 1 })])
  })
})
