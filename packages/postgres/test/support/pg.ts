import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll } from 'vitest'
import { postgresTestUrl } from '@honker/testkit/postgres-setup'
import { open, type OpenPostgresOptions, type PgDatabase } from '../../src/index.ts'

export const postgresUrl = postgresTestUrl

const pools: pg.Pool[] = []
const databases: PgDatabase[] = []

afterAll(async () => {
  for (const db of databases.splice(0)) db.close()
  await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => {})))
})

/** A pool on the test cluster, ended after the file. */
export function testPool(options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: postgresUrl(), max: 10, ...options })
  pool.on('error', () => {}) // idle clients killed on purpose (pg_terminate_backend) must not crash the run
  pools.push(pool)
  return pool
}

/** A schema name no other test uses. */
export function freshSchema(): string {
  return `honker_t_${randomBytes(5).toString('hex')}`
}

/** A database in a fresh schema of its own. */
export async function freshDatabase(options: Partial<OpenPostgresOptions> = {}): Promise<PgDatabase> {
  const db = await open({ postgres: options.postgres ?? testPool(), schema: freshSchema(), ...options })
  databases.push(db)
  return db
}

/** A clock the tests move by hand: times are whole seconds, so real waits would take seconds. */
export function manualClock(startS = 1_900_000_000) {
  let ms = startS * 1000
  return { now: () => ms, advance: (seconds: number) => (ms += seconds * 1000) }
}

export async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? code : `uncoded: ${(error as Error).message}`
  }
  return 'no error'
}

/** Poll `check` until it holds (cross-connection effects have no callback to await). */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
