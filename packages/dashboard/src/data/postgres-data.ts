import { createHash } from 'node:crypto'
import type { PgDatabase, PgPool } from '@honker/postgres'
import type { HonkerApi, SqlReader } from './honker-api.ts'
import { SqlDashboardData } from './sql-data.ts'

const TABLES_TTL_MS = 1000

/** `?` placeholders to PostgreSQL's `$1, $2, …` (the dashboard's SQL has no `?` in strings). */
function numbered(sql: string): string {
  let index = 0
  return sql.replace(/\?/g, () => `$${++index}`)
}

class PostgresReader implements SqlReader {
  readonly #pool: PgPool
  readonly #schema: string
  #tables: { at: number; value: Map<string, Set<string>> } | null = null

  constructor(pool: PgPool, schema: string) {
    this.#pool = pool
    this.#schema = schema
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const result = await this.#pool.query<Record<string, unknown>>({ text: numbered(sql), values: [...params] })
    return result.rows
  }

  table(name: string): string {
    return `${this.#schema}.${name}`
  }

  async deadIndexed(): Promise<boolean> {
    return true
  }

  async tables(): Promise<Map<string, Set<string>>> {
    const now = Date.now()
    if (this.#tables !== null && now - this.#tables.at < TABLES_TTL_MS) return this.#tables.value
    const { rows } = await this.#pool.query<{ table_name: string; column_name: string }>({
      text: `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name LIKE '\\_honker\\_%'`,
      values: [this.#schema],
    })
    const value = new Map<string, Set<string>>()
    for (const row of rows) {
      let columns = value.get(row.table_name)
      if (columns === undefined) value.set(row.table_name, (columns = new Set()))
      columns.add(row.column_name)
    }
    this.#tables = { at: now, value }
    return value
  }
}

/**
 * The NOTIFY channel `@honker/postgres` sends every commit's wake on (its `wakeChannel`, which the
 * package does not export): `honker_` and the first 24 hex digits of the schema's SHA-256.
 */
export function wakeChannelOf(schema: string): string {
  return `honker_${createHash('sha256').update(schema).digest('hex').slice(0, 24)}`
}

/**
 * The dashboard's data on PostgreSQL: `db` for the public API, `pool` (the one `db` was opened
 * with) for read-only listings and for one LISTEN connection while any browser watches.
 */
export function postgresData(db: PgDatabase, pool: PgPool): SqlDashboardData {
  const schema = db.schema
  return new SqlDashboardData({
    engine: 'postgres',
    label: `postgres schema ${schema}`,
    api: db as unknown as HonkerApi,
    reader: new PostgresReader(pool, schema),
    now: () => db.now(),
    watch(onCommit, onError) {
      const channel = wakeChannelOf(schema)
      let stopped = false
      let end: (() => void) | null = null
      const connect = async (): Promise<void> => {
        if (pool.Client !== undefined && pool.options !== undefined) {
          const client = new pool.Client(pool.options)
          let failed = false
          const fail = (error: Error): void => {
            if (failed || stopped) return
            failed = true
            onError(error)
          }
          client.on('error', fail)
          client.on('end', () => fail(new Error('the LISTEN connection closed')))
          client.on('notification', (message) => {
            if (message.channel === channel) onCommit()
          })
          await client.connect()
          end = () => void client.end().catch(() => {})
          if (stopped) return end()
          await client.query({ text: `LISTEN ${channel}` })
        } else {
          const client = (await pool.connect()) as unknown as {
            query: PgPool['query']
            release(): void
            on(event: string, listener: (value: never) => void): unknown
          }
          client.on('error', (error: Error) => onError(error))
          client.on('notification', (message: { channel: string }) => {
            if (message.channel === channel) onCommit()
          })
          end = () => {
            void client.query({ text: `UNLISTEN ${channel}` }).finally(() => client.release())
          }
          if (stopped) return end()
          await client.query({ text: `LISTEN ${channel}` })
        }
      }
      connect().catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))))
      return () => {
        stopped = true
        end?.()
      }
    },
  })
}
