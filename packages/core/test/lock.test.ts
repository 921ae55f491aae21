import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { HonkerError, open, type Database } from '../src/index.ts'
import { onCleanup, sleep, tempDbPath } from './helpers.ts'

const START_MS = 1_800_000_000_000

/** Two handles on one file sharing a movable clock, as two processes would. */
function setup(): { a: Database; b: Database; clock: { ms: number }; file: string; row(name: string): { owner: string; expires_at: number } | undefined } {
  const file = tempDbPath()
  const clock = { ms: START_MS }
  const options = { clock: { now: () => clock.ms } }
  const a = open(file, options)
  const b = open(file, options)
  const raw = new Sqlite(file)
  onCleanup(() => {
    a.close()
    b.close()
    raw.close()
  })
  const row = (name: string) =>
    raw.prepare('SELECT owner, expires_at FROM _honker_locks WHERE name = ?').get(name) as
      | { owner: string; expires_at: number }
      | undefined
  return { a, b, clock, file, row }
}

const nowS = (clock: { ms: number }): number => Math.floor(clock.ms / 1000)

function errorOf(run: () => unknown): HonkerError {
  try {
    run()
  } catch (error) {
    if (HonkerError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected an error')
}

describe('db.lock acquire', () => {
  it('grants a free name to one owner; others are refused while it is held', () => {
    const { a, b, clock, row } = setup()
    const first = a.lock('report', { ttlS: 30, owner: 'alice' })
    const second = b.lock('report', { ttlS: 30, owner: 'bob' })
    expect(first.acquire()).toBe(true)
    expect(first.held).toBe(true)
    expect(first.expiresAt).toBe(nowS(clock) + 30)
    expect(row('report')).toEqual({ owner: 'alice', expires_at: nowS(clock) + 30 })
    expect(second.acquire()).toBe(false)
    expect(second.held).toBe(false)
    expect(second.expiresAt).toBeNull()
    expect(row('report')!.owner).toBe('alice')
  })

  it('re-acquire by the same owner returns true but does NOT extend the lease (honker)', () => {
    const { a, clock, row } = setup()
    const lock = a.lock('report', { ttlS: 30, owner: 'alice' })
    expect(lock.acquire()).toBe(true)
    const expires = row('report')!.expires_at
    clock.ms += 20_000
    expect(lock.acquire()).toBe(true)
    expect(row('report')!.expires_at).toBe(expires)
    expect(lock.expiresAt).toBe(expires)
    // ... so acquire is no heartbeat: 10 s later the lease has lapsed for everyone.
    clock.ms += 10_000
    expect(lock.held).toBe(false)
  })

  it('a lease is free once expires_at <= now, not before', () => {
    const { a, b, clock, row } = setup()
    expect(a.lock('job', { ttlS: 10, owner: 'alice' }).acquire()).toBe(true)
    const other = b.lock('job', { ttlS: 10, owner: 'bob' })
    clock.ms += 9_999
    expect(other.acquire()).toBe(false)
    clock.ms += 1
    expect(other.acquire()).toBe(true)
    expect(row('job')).toEqual({ owner: 'bob', expires_at: nowS(clock) + 10 })
  })

  it('gives every Lock object its own default owner', () => {
    const { a } = setup()
    const one = a.lock('x', { ttlS: 10 })
    const two = a.lock('x', { ttlS: 10 })
    expect(one.owner).not.toBe(two.owner)
    expect(one.acquire()).toBe(true)
    expect(two.acquire()).toBe(false)
  })

  it('joins an open transaction: rolled back with it', () => {
    const { a, row } = setup()
    const lock = a.lock('tx-lock', { ttlS: 10, owner: 'alice' })
    expect(() =>
      a.transaction(() => {
        expect(lock.acquire()).toBe(true)
        throw new Error('rollback')
      }),
    ).toThrow('rollback')
    expect(row('tx-lock')).toBeUndefined()
  })

  it('validates its arguments', () => {
    const { a } = setup()
    expect(errorOf(() => a.lock('', { ttlS: 10 })).code).toBe('invalid_argument')
    expect(errorOf(() => a.lock('x', { ttlS: 0 })).code).toBe('invalid_argument')
    expect(errorOf(() => a.lock('x', { ttlS: 1.5 })).code).toBe('invalid_argument')
    expect(errorOf(() => a.lock('x', { ttlS: 10, owner: '' })).code).toBe('invalid_argument')
    expect(errorOf(() => a.lock('x', undefined as never)).code).toBe('invalid_argument')
  })
})

describe('db.lock renew', () => {
  it('extends the owner lease to now + ttl (default the lock TTL, or the given one)', () => {
    const { a, clock, row } = setup()
    const lock = a.lock('lease', { ttlS: 30, owner: 'alice' })
    lock.acquire()
    clock.ms += 20_000
    expect(lock.renew()).toBe(true)
    expect(row('lease')!.expires_at).toBe(nowS(clock) + 30)
    expect(lock.renew(120)).toBe(true)
    expect(row('lease')!.expires_at).toBe(nowS(clock) + 120)
    expect(lock.expiresAt).toBe(nowS(clock) + 120)
  })

  it('rejects a TTL <= 0 and writes nothing', () => {
    const { a, row } = setup()
    const lock = a.lock('lease', { ttlS: 30, owner: 'alice' })
    lock.acquire()
    const before = row('lease')
    expect(errorOf(() => lock.renew(0)).code).toBe('invalid_argument')
    expect(errorOf(() => lock.renew(-5)).code).toBe('invalid_argument')
    expect(row('lease')).toEqual(before)
  })

  it('never extends a successor: a former owner renewing after expiry and re-acquire by another gets false', () => {
    const { a, b, clock, row } = setup()
    const former = a.lock('leader', { ttlS: 10, owner: 'alice' })
    const successor = b.lock('leader', { ttlS: 10, owner: 'bob' })
    former.acquire()
    clock.ms += 15_000 // alice froze past her TTL
    expect(successor.acquire()).toBe(true)
    const successorExpiry = row('leader')!.expires_at
    clock.ms += 3_000
    expect(former.renew(600)).toBe(false)
    expect(former.held).toBe(false)
    expect(row('leader')).toEqual({ owner: 'bob', expires_at: successorExpiry })
    expect(former.release()).toBe(false)
    expect(row('leader')!.owner).toBe('bob')
  })

  it('renewing to the same whole second commits nothing: data_version does not move (no self-wake)', () => {
    const { a, clock, file } = setup()
    const watcher = new Sqlite(file)
    onCleanup(() => watcher.close())
    const version = () => watcher.pragma('data_version', { simple: true })
    const lock = a.lock('leader', { ttlS: 60, owner: 'alice' })
    lock.acquire()
    const afterAcquire = version()
    clock.ms += 400 // same second: same expires_at
    expect(lock.renew()).toBe(true)
    expect(version()).toBe(afterAcquire)
    clock.ms += 1000 // next second: the lease moves, a real commit
    expect(lock.renew()).toBe(true)
    expect(version()).not.toBe(afterAcquire)
  })

  it('returns false once the lease is released', () => {
    const { a, row } = setup()
    const lock = a.lock('lease', { ttlS: 30, owner: 'alice' })
    lock.acquire()
    lock.release()
    expect(lock.renew()).toBe(false)
    expect(row('lease')).toBeUndefined()
  })
})

describe('db.lock release', () => {
  it('frees the name only for its owner', () => {
    const { a, b, row } = setup()
    const owner = a.lock('shared', { ttlS: 30, owner: 'alice' })
    const other = b.lock('shared', { ttlS: 30, owner: 'bob' })
    owner.acquire()
    expect(other.release()).toBe(false)
    expect(row('shared')!.owner).toBe('alice')
    expect(owner.release()).toBe(true)
    expect(owner.held).toBe(false)
    expect(row('shared')).toBeUndefined()
    expect(owner.release()).toBe(false)
    expect(other.acquire()).toBe(true)
  })
})

describe('db.withLock', () => {
  it('runs fn holding the lock, refuses a second holder, and releases afterwards', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const running = db.withLock('exclusive', { ttlS: 30 }, async ({ lock }) => {
      expect(lock.held).toBe(true)
      await gate
      return 'done'
    })
    await sleep(10)
    await expect(db.withLock('exclusive', { ttlS: 30 }, () => 'second')).rejects.toMatchObject({ code: 'lock_not_held' })
    release()
    await expect(running).resolves.toBe('done')
    await expect(db.withLock('exclusive', { ttlS: 30 }, () => 'third')).resolves.toBe('third')
    expect(db.lock('exclusive', { ttlS: 1 }).acquire()).toBe(true)
  })

  it('renews while fn runs and aborts its signal when the lease is lost', async () => {
    const file = tempDbPath()
    const db = open(file)
    const raw = new Sqlite(file)
    onCleanup(() => {
      db.close()
      raw.close()
    })
    const expiry = () => (raw.prepare(`SELECT expires_at FROM _honker_locks WHERE name = 'long'`).get() as { expires_at: number } | undefined)?.expires_at
    const result = db.withLock('long', { ttlS: 2, renewIntervalMs: 100 }, async ({ signal }) => {
      const first = expiry()!
      await sleep(1300)
      const renewed = expiry()!
      expect(renewed).toBeGreaterThan(first) // renewed at least once past the first whole second
      raw.prepare(`UPDATE _honker_locks SET owner = 'intruder' WHERE name = 'long'`).run()
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
      return signal.aborted
    })
    await expect(result).resolves.toBe(true)
    // The intruder's lease is not released by the former holder.
    expect((raw.prepare(`SELECT owner FROM _honker_locks WHERE name = 'long'`).get() as { owner: string }).owner).toBe('intruder')
  })
})
