// The one place the app's database engine is chosen: HONKER_ENGINE=postgres runs it on PostgreSQL
// (src/postgres.ts: @prisma/adapter-pg, @honker/prisma/pg), anything else on a SQLite file
// (src/sqlite.ts: @prisma/adapter-better-sqlite3, @honker/prisma). Both export the same Engine
// (src/app.ts); main.ts and worker.ts use only that. Only the chosen module, and its driver and
// generated client, is loaded.
import type { Engine } from './app.ts'

export type EngineName = 'sqlite' | 'postgres'

function engineFromEnv(): EngineName {
  const value = process.env.HONKER_ENGINE ?? 'sqlite'
  if (value !== 'sqlite' && value !== 'postgres') throw new Error(`HONKER_ENGINE must be sqlite or postgres, not ${JSON.stringify(value)}`)
  return value
}

export const ENGINE: EngineName = engineFromEnv()

export const engine: Engine = ENGINE === 'postgres' ? await import('./postgres.ts') : await import('./sqlite.ts')

/** The database a worker process opens: DATABASE_URL (`file:./dev.db` on SQLite when unset). */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL ?? (ENGINE === 'sqlite' ? 'file:./dev.db' : undefined)
  if (url === undefined) throw new Error('DATABASE_URL must be set: the PostgreSQL database to work on')
  return url
}
