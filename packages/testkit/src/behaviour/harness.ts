/**
 * What the behaviour suite needs from one engine and driver: a fresh database (optionally on a
 * clock the checks move by hand) and a way to run several calls in one transaction. The suite
 * `await`s every call, so an engine may answer with values (SQLite) or promises (PostgreSQL).
 *
 * The database is typed loosely on purpose: the two engines' classes differ exactly where one
 * returns `T` and the other `Promise<T>`, and the suite is the proof that they otherwise agree.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDatabase = any

export interface ManualClock {
  now(): number
  advance(seconds: number): void
}

export interface EngineHarness {
  /** 'sqlite/better-sqlite3', 'postgres/pg', ... */
  name: string
  open(options?: { clock?: ManualClock }): Promise<AnyDatabase>
  /** Run `steps` in order inside one `db.transaction`; with `fail`, throw after them (rollback). */
  inTransaction(db: AnyDatabase, steps: ((tx: unknown) => unknown)[], fail?: boolean): Promise<unknown[]>
  /** Known differences of this engine: check name → why it cannot hold (asserted as a gap, not skipped). */
  gaps?: Record<string, string>
}

/** A clock at a fixed whole second, moved only by `advance`. */
export function manualClock(startS = 1_900_000_000): ManualClock {
  let ms = startS * 1000
  return { now: () => ms, advance: (seconds) => void (ms += seconds * 1000) }
}
