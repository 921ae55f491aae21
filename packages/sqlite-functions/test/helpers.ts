import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach } from 'vitest'
import { open, type Database as HonkerDatabase } from '@honker/core'
import { registerFunctions, type RegisterFunctionsOptions } from '../src/index.ts'

// Copied from packages/core/test/helpers.ts (test helpers are not part of core's published API).

const cleanups: (() => void)[] = []

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!()
})

/** A fresh database path in its own temp directory, removed after the test. */
export function tempDbPath(name = 'app.db'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-sqlfn-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, name)
}

export function onCleanup(fn: () => void): void {
  cleanups.push(fn)
}

/** A clock tests move by hand; shared by the SQL functions (honker_now) and the core API. */
export function manualClock(startS = 1_800_000_000): { now(): number; set(s: number): void; advance(s: number): void; s(): number } {
  let ms = startS * 1000
  return {
    now: () => ms,
    set: (s) => (ms = s * 1000),
    advance: (s) => (ms += s * 1000),
    s: () => Math.floor(ms / 1000),
  }
}

export interface Pair {
  path: string
  /** The app's better-sqlite3 connection, with the SQL functions. */
  sqlite: Database.Database
  /** The core API on the same connection. */
  db: HonkerDatabase
  /** One value from one SQL call. */
  sql<T = unknown>(text: string, ...params: unknown[]): T
}

/** An app connection with registerFunctions() and core's API on that same connection. */
export function openPair(options: RegisterFunctionsOptions & { path?: string } = {}): Pair {
  const file = options.path ?? tempDbPath()
  const sqlite = new Database(file)
  registerFunctions(sqlite, options)
  const db = open(options.clock === undefined ? { database: sqlite } : { database: sqlite, clock: options.clock })
  onCleanup(() => {
    db.close()
    sqlite.close()
  })
  return {
    path: file,
    sqlite,
    db,
    sql: <T>(text: string, ...params: unknown[]) => sqlite.prepare(text).pluck().get(...params) as T,
  }
}

export const coreFixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'test', 'fixtures')

export interface Child {
  process: ChildProcess
  messages: Record<string, unknown>[]
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stderr(): string
}

/** Spawn one of core's fixture scripts, which talk in JSON lines. */
export function spawnFixture(script: string, config: Record<string, unknown>): Child {
  const child = spawn(process.execPath, [path.join(coreFixturesDir, script)], {
    env: { ...process.env, HONKER_FIXTURE: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const messages: Record<string, unknown>[] = []
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line))
    } catch {
      // Not a protocol line.
    }
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return { process: child, messages, exited, stderr: () => stderr }
}
