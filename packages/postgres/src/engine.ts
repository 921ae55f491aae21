import type { Clock } from '@honker/core/engine'
import { DatabaseClosedError, unixSeconds } from '@honker/core/engine'
import { wakeChannel } from './names.ts'
import type { PgPool, PgQueryable, PgQueryResult } from './pg.ts'
import { coordinationStatements } from './sql/coordination.pg.sql.ts'
import { jobStatements } from './sql/jobs.pg.sql.ts'
import { messageStatements } from './sql/messages.pg.sql.ts'
import type { PgStatement } from './sql/statement.ts'
import type { WakeSource } from './wake/wake-source.ts'
import { runStatement, type WriteContext } from './writes.ts'

export interface PgEngineSettings {
  schema: string
  clock: Clock | undefined
  maxPayloadBytes: number
  /** false: plain queries, for PgBouncer in transaction mode before 1.21. */
  preparedStatements: boolean
  /** A worker's ack-and-claim commits without waiting for its WAL flush (open()'s option). */
  asyncWorkerCommits: boolean
}

/**
 * The PostgreSQL engine: one schema's statements, run on the pool or on the caller's transaction,
 * every time bound as `$1`, every error coded. Features (queue, stream, ...) call it; they never
 * see SQL.
 */
export class PgEngine implements WriteContext {
  readonly pool: PgPool
  readonly schema: string
  readonly wakeChannel: string
  readonly maxPayloadBytes: number
  readonly jobs: ReturnType<typeof jobStatements>
  readonly messages: ReturnType<typeof messageStatements>
  readonly coordination: ReturnType<typeof coordinationStatements>
  readonly wake: WakeSource
  readonly #clock: Clock | undefined
  readonly prepared: boolean
  #closed = false
  /** Jobs this handle inserted since it last had `_honker_live` analyzed, and the size then. */
  #insertedSinceAnalyze = 0
  #analyzedSize = 0
  #analyzing = false

  constructor(pool: PgPool, settings: PgEngineSettings, wake: WakeSource) {
    this.pool = pool
    this.schema = settings.schema
    this.wakeChannel = wakeChannel(settings.schema)
    this.maxPayloadBytes = settings.maxPayloadBytes
    this.#clock = settings.clock
    this.prepared = settings.preparedStatements
    this.jobs = jobStatements(settings.schema, this.wakeChannel, { asyncWorkerCommits: settings.asyncWorkerCommits })
    this.messages = messageStatements(settings.schema, this.wakeChannel)
    this.coordination = coordinationStatements(settings.schema, this.wakeChannel)
    this.wake = wake
  }

  get closed(): boolean {
    return this.#closed
  }

  assertOpen(): void {
    if (this.#closed) throw new DatabaseClosedError('the database is closed')
  }

  /** The `clock` option's second, or null: the statement then reads the database's clock. */
  nowParam(): number | null {
    return this.#clock === undefined ? null : unixSeconds(this.#clock)
  }

  /** The app's clock in milliseconds when one was given (tests), else null. */
  clockMs(): number | null {
    return this.#clock === undefined ? null : this.#clock.now()
  }

  /** Run one statement (with `$1` = the time) on `runner`, the pool by default. */
  async query<Row>(statement: PgStatement, values: readonly unknown[], runner: PgQueryable = this.pool): Promise<PgQueryResult<Row>> {
    this.assertOpen()
    return runStatement<Row>(this, runner, statement, values)
  }

  /** The current unix second on the engine's clock. */
  async nowS(): Promise<number> {
    const { rows } = await this.query<{ now: string }>(this.coordination.now, [])
    return Number(rows[0]!.now)
  }

  /** The current time in milliseconds on the engine's clock (the `clock` option, else the database's). */
  async nowMs(): Promise<number> {
    const { rows } = await this.query<{ server_ms: string }>(this.coordination.now, [])
    return this.clockMs() ?? Number(rows[0]!.server_ms)
  }

  /**
   * The claim walks `_honker_live_claim` in order only if the planner knows how many rows a queue
   * holds: on a table never analyzed, it guesses a handful, picks a bitmap scan and a sort of the
   * whole backlog, and a claim over 100,000 jobs costs 100 ms instead of 0.3 ms (measured). So a
   * handle that bulk-inserts asks for statistics itself, in the background, rather than wait for
   * autovacuum's next round (up to a minute).
   */
  noteInserted(count: number): void {
    this.#insertedSinceAnalyze += count
    if (this.#analyzing || this.#insertedSinceAnalyze < Math.max(1_000, this.#analyzedSize / 5)) return
    this.#analyzing = true
    this.#analyzedSize += this.#insertedSinceAnalyze
    this.#insertedSinceAnalyze = 0
    this.pool
      .query({ text: `ANALYZE ${this.schema}._honker_live` })
      .catch(() => {}) // a role that may not analyze leaves it to autovacuum
      .finally(() => (this.#analyzing = false))
  }

  close(): void {
    this.#closed = true
    this.wake.close()
  }
}
