/**
 * The parts of `pg` Honker uses, typed structurally so that any `pg` 8 Pool fits, whatever copy of
 * `pg` the app installed (as Kysely types its `PostgresPool`).
 */
export interface PgQueryConfig {
  text: string
  values?: unknown[]
  /** Prepared once per connection under this name. */
  name?: string
}

export interface PgQueryResult<Row> {
  rows: Row[]
  rowCount: number | null
}

/** Anything that runs a query: the pool, a checked-out client, or an ORM's transaction. */
export interface PgQueryable {
  query<Row = Record<string, unknown>>(config: PgQueryConfig): Promise<PgQueryResult<Row>>
}

export interface PgNotification {
  channel: string
  payload?: string
}

export interface PgPoolClient extends PgQueryable {
  release(destroy?: boolean | Error): void
  on(event: 'error', listener: (error: Error) => void): unknown
  off?(event: 'error', listener: (error: Error) => void): unknown
}

/** A client Honker owns outright: its LISTEN connection. */
export interface PgClient extends PgQueryable {
  connect(): Promise<unknown>
  end(): Promise<void>
  on(event: 'notification', listener: (message: PgNotification) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'end', listener: () => void): unknown
  removeAllListeners(event?: string): unknown
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>
  end(): Promise<void>
  /** pg-pool keeps the options and the Client class; the LISTEN connection is made from them. */
  readonly options?: object
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's own ClientConfig; any pg 8 Client fits
  readonly Client?: new (options: any) => PgClient
  readonly ending?: boolean
}

export function isPgPool(value: unknown): value is PgPool {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PgPool).query === 'function' &&
    typeof (value as PgPool).connect === 'function'
  )
}
