import { DEFAULT_MAX_PAYLOAD_BYTES, InvalidArgumentError, requireInteger, requireObject, type Clock } from '@honker/core/engine'
import { PgDatabase } from './database.ts'
import { PgEngine } from './engine.ts'
import { DEFAULT_SCHEMA, requireSchemaName, wakeChannel } from './names.ts'
import { isPgPool, type PgPool } from './pg.ts'
import { migrate } from './schema/migrate.ts'
import { LATEST_PG_VERSION } from './schema/migrations.ts'
import { toHonkerError } from './errors.ts'
import { HonkerError } from '@honker/core/engine'
import { ListenWakeSource, PollWakeSource, type ListenConnectionOptions } from './wake/listen-wake-source.ts'

export interface OpenPostgresOptions {
  /** A `pg` Pool of the app's (Honker never ends it). */
  postgres: PgPool
  /** Schema for Honker's tables. Default 'honker'. */
  schema?: string
  /** Run the migrations (default true). false: the schema must be current; a role without CREATE uses this. */
  migrate?: boolean
  /** 'listen' (default): one LISTEN connection per handle; 'poll': none (PgBouncer transaction mode). */
  wake?: 'listen' | 'poll' | ListenConnectionOptions
  /** Largest payload (JSON bytes) any writer accepts. Default 16 MiB. */
  maxPayloadBytes?: number
  /** Prepared statements (default true); false for PgBouncer in transaction mode before 1.21. */
  preparedStatements?: boolean
  /** Tests move time by hand; every statement then uses this clock instead of the database's. */
  clock?: Clock
  /**
   * A worker's step (ack the finished job, claim the next, in one statement) commits with
   * `synchronous_commit = off` (default true): the server answers before that commit's WAL is on
   * disk, so a worker does not wait for a disk flush per job. A database crash (not a clean
   * shutdown) can undo the last moments of such steps: their jobs are claimable again and run
   * again, which at-least-once delivery already allows (as when a worker dies before acking).
   * Enqueues, retries, dead letters, results, `claimOne`/`job.ack()` and your own transactions
   * keep the server's setting. false: worker steps keep it too.
   */
  asyncWorkerCommits?: boolean
}

/**
 * Honker on PostgreSQL, with the API of `@honker/core` and promises:
 *
 * ```ts
 * import pg from 'pg'
 * import { open } from '@honker/postgres'
 * const db = await open({ postgres: new pg.Pool({ connectionString }) })
 * await db.transaction(async (tx) => {
 *   await tx.query('INSERT INTO orders (id) VALUES ($1)', [42])
 *   await db.queue('emails').enqueue({ orderId: 42 }, { tx })
 * })
 * ```
 *
 * Resolves once the schema is current: an unreachable server is `connection_failed`, a role that
 * cannot create the schema `permission_denied`, both before anything is written.
 */
export async function open(options: OpenPostgresOptions): Promise<PgDatabase> {
  requireObject(options, 'options')
  if (options === undefined || !isPgPool(options.postgres)) {
    throw new InvalidArgumentError('postgres', 'must be a pg Pool (new pg.Pool({ connectionString }))')
  }
  const pool = options.postgres
  const schema = requireSchemaName(options.schema ?? DEFAULT_SCHEMA)
  const maxPayloadBytes = options.maxPayloadBytes === undefined ? DEFAULT_MAX_PAYLOAD_BYTES : requireInteger(options.maxPayloadBytes, 'maxPayloadBytes', { min: 1 })
  const wake = options.wake ?? 'listen'
  if (wake !== 'listen' && wake !== 'poll' && (typeof wake !== 'object' || wake === null)) {
    throw new InvalidArgumentError('wake', `must be 'listen', 'poll' or listen options, got ${JSON.stringify(wake)}`)
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') throw new InvalidArgumentError('clock', 'must have now() returning milliseconds')
  if (options.asyncWorkerCommits !== undefined && typeof options.asyncWorkerCommits !== 'boolean') {
    throw new InvalidArgumentError('asyncWorkerCommits', `must be a boolean, got ${JSON.stringify(options.asyncWorkerCommits)}`)
  }
  if (options.migrate !== false) await migrate(pool, schema)
  const source = wake === 'poll' ? new PollWakeSource() : new ListenWakeSource(pool, wakeChannel(schema), wake === 'listen' ? {} : wake)
  const engine = new PgEngine(
    pool,
    { schema, clock: options.clock, maxPayloadBytes, preparedStatements: options.preparedStatements !== false, asyncWorkerCommits: options.asyncWorkerCommits !== false },
    source,
  )
  if (options.migrate === false) await requireCurrentSchema(pool, schema)
  return new PgDatabase(engine)
}

/** `migrate: false`: the server must be reachable and the schema at this package's version. */
async function requireCurrentSchema(pool: PgPool, schema: string): Promise<void> {
  let version: number
  try {
    const { rows } = await pool.query<{ version: number | null }>({ text: `SELECT max(version) AS version FROM ${schema}._honker_ts_migrations` })
    version = Number(rows[0]?.version ?? 0)
  } catch (error) {
    if ((error as { code?: unknown })?.code === '42P01' || (error as { code?: unknown })?.code === '3F000') {
      throw new HonkerError('migrations_not_found', `schema ${schema} has no Honker tables: open it once with migrate: true (as a role that may create them)`, { cause: error })
    }
    throw toHonkerError(error)
  }
  if (version < LATEST_PG_VERSION) {
    throw new HonkerError('migration_unresolved', `schema ${schema} is at Honker migration ${version}, this version needs ${LATEST_PG_VERSION}: open it once with migrate: true`)
  }
}
