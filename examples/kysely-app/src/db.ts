// The one place the app's database engine is chosen: HONKER_ENGINE=postgres runs it on
// PostgreSQL (Kysely's PostgresDialect on a pg Pool), anything else on a SQLite file
// (better-sqlite3). Everything else in src/ is the same on both.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, sql, type ColumnDataType, type RawBuilder } from 'kysely'
import pg from 'pg'
import { freshPostgresDatabase } from '@honker/testkit/postgres'
import { createHonker } from '@honker/kysely'
import type { WorkOptions, Worker } from '@honker/core'
import type { Tables } from './schema.js'

export type Engine = 'sqlite' | 'postgres'

function engineFromEnv(): Engine {
  const value = process.env.HONKER_ENGINE ?? 'sqlite'
  if (value !== 'sqlite' && value !== 'postgres') throw new Error(`HONKER_ENGINE must be sqlite or postgres, not ${JSON.stringify(value)}`)
  return value
}

export const ENGINE: Engine = engineFromEnv()

/** What the app's migrations (src/migrations.ts) write differently on each engine. */
export const columns: { id: ColumnDataType; unixSeconds: ColumnDataType; now: RawBuilder<number> } =
  ENGINE === 'postgres'
    ? { id: 'serial', unixSeconds: 'bigint', now: sql`(extract(epoch from now())::bigint)` }
    : { id: 'integer', unixSeconds: 'integer', now: sql`(unixepoch())` }

/** Where Honker's tables are: schema `honker` on PostgreSQL, the file's own (`main`) on SQLite. */
export const HONKER_SCHEMA = ENGINE === 'postgres' ? 'honker' : 'main'

/** A claimed job, as both engines' jobs (`Job`, `PgJob`) show it to a handler. */
export interface ClaimedJob<Payload> {
  readonly id: number
  readonly payload: Payload
  readonly attempts: number
  readonly maxAttempts: number
  readonly isLastAttempt: boolean
}

/** The part of Honker the app uses; `@honker/core`'s Database and `@honker/postgres`'s both are one. */
export interface Honker {
  queue<Payload>(name: string): {
    work(handler: (job: ClaimedJob<Payload>) => Promise<void>, options?: WorkOptions): Worker<Payload, ClaimedJob<Payload>>
  }
  /** PostgreSQL: 'listening' once the LISTEN connection is up (SQLite's commit watcher needs none). */
  readonly wakeState?: string
  close(): void
}

export interface AppDatabase {
  db: Kysely<Tables>
  /** Honker on the same database: its own connection to the file, or the app's pool. */
  honker(): Promise<Honker>
  close(): Promise<void>
}

/**
 * Open the database at `location` (a file path on SQLite, a connection URL on PostgreSQL) with
 * Kysely. On SQLite, keep the better-sqlite3 handle: `createHonker` needs it, because Kysely never
 * exposes the connection it was given; on PostgreSQL it needs the pool.
 */
export function openDatabase(location: string): AppDatabase {
  if (ENGINE === 'postgres') {
    const pool = new pg.Pool({ connectionString: location, max: 5 })
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) })
    let honker: Honker | undefined
    return {
      db,
      honker: async () => (honker = await createHonker({ db, postgres: pool })), // resolves once the schema is current
      async close() {
        honker?.close() // its LISTEN connection
        await db.destroy() // ends the pool
      },
    }
  }
  const sqlite = new Sqlite(location)
  sqlite.pragma('journal_mode = WAL') // workers read while the app writes
  sqlite.pragma('busy_timeout = 5000') // wait for other processes' short write transactions
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) })
  let honker: Honker | undefined
  return {
    db,
    honker: async () => (honker = createHonker({ db, database: sqlite })), // core opens its own connection on the same file
    async close() {
      honker?.close()
      await db.destroy() // closes the better-sqlite3 handle
    },
  }
}

/** Resolves once other processes' commits can wake `honker`'s workers (at once on SQLite). */
export async function listening(honker: Honker): Promise<void> {
  for (let i = 0; i < 500 && honker.wakeState !== undefined && honker.wakeState !== 'listening'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export interface FreshDatabase {
  /** A file path (SQLite) or a connection URL (PostgreSQL), for openDatabase() in any process. */
  location: string
  /** For the log: never the password. */
  shown: string
  /**
   * Remove it, and the throwaway PostgreSQL cluster if this run started one; resolves to whether
   * it is still there (`keep` on a file or on DATABASE_URL's server).
   */
  drop(options?: { keep?: boolean }): Promise<boolean>
}

/**
 * A new, empty database for this run. SQLite: a file in a temp directory. PostgreSQL: a new
 * database (CREATE DATABASE) on the server at DATABASE_URL or, without it, on a throwaway cluster
 * started here (initdb in a temp directory, `@honker/testkit/postgres`).
 */
export async function createFreshDatabase(): Promise<FreshDatabase> {
  if (ENGINE === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kysely-app-'))
    const file = path.join(dir, 'app.db')
    return {
      location: file,
      shown: file,
      async drop({ keep = false } = {}) {
        if (!keep) fs.rmSync(dir, { recursive: true, force: true })
        return keep
      },
    }
  }
  const { url, shown, drop } = await freshPostgresDatabase('kysely_app')
  return { location: url, shown, drop }
}
