import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { afterEach } from 'vitest'
import { prismaSqliteDriver } from '../src/index.ts'
import { PrismaClient } from './generated/client/client.ts'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

/** The migration folders this package ships, in the order Prisma applies them. */
export function honkerMigrations(): { folder: string; sql: string }[] {
  const dir = path.join(root, 'prisma', 'migrations')
  return readdirSync(dir)
    .sort()
    .map((folder) => ({ folder, sql: readFileSync(path.join(dir, folder, 'migration.sql'), 'utf8') }))
}

/**
 * Apply the shipped migration SQL the way `prisma migrate deploy` would (each file as one script,
 * in folder order), without Prisma's schema engine: it is a native binary downloaded on demand.
 */
export function applyHonkerMigrations(file: string, extraSql?: string, migrations = honkerMigrations()): void {
  const Driver = prismaSqliteDriver()
  const db = new Driver(file)
  try {
    for (const { sql } of migrations) db.transaction(() => db.exec(sql)).immediate()
    if (extraSql !== undefined) db.exec(extraSql)
  } finally {
    db.close()
  }
}

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** Run `fn` after the current test (last registered, first run). */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn)
}

/** A fresh database path in its own temp directory, removed after the test. */
export function tempDbPath(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-prisma-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'app.db')
}

/** A Prisma client on `file` through the better-sqlite3 adapter, disconnected after the test. */
export function prismaClient(url: string): PrismaClient {
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url }) })
  onCleanup(() => prisma.$disconnect())
  return prisma
}

export const ORDERS_DDL = 'CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)'
