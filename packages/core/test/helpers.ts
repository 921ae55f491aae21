import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { TEST_DRIVER } from './sqlite.ts'

const cleanups: (() => void)[] = []

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!()
})

/** A fresh database path in its own temp directory, removed after the test. */
export function tempDbPath(name = 'app.db'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-test-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, name)
}

/**
 * libsql's gap (docs/adapters/libsql.md): a statement keeps its connection open, so a closed
 * connection lets go of its file (descriptors, WAL shared-memory lock) only once the garbage
 * collector frees the statements prepared on it; Honker detaches its own at close. On the libsql
 * run (vitest.config.ts gives its workers --expose-gc) this collects them; on the other drivers
 * close() already let go, and it does nothing.
 */
export async function collectClosedConnections(): Promise<void> {
  if (TEST_DRIVER !== 'libsql') return
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('the libsql run needs node --expose-gc (vitest.config.ts)')
  // libsql frees a statement's connection in its finalizer, which runs a tick after the collection.
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Run `fn` after the current test (after earlier-registered cleanups run in reverse order). */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn)
}

export const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')

export interface Child {
  process: ChildProcess
  /** Every JSON line the child printed so far. */
  messages: Record<string, unknown>[]
  /** Resolves with the first message matching `predicate` (already seen or future). */
  waitFor(predicate: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stderr(): string
}

/** Spawn a fixture script (plain Node, importing the built package) that talks in JSON lines. */
export function spawnFixture(script: string, config: Record<string, unknown>): Child {
  const child = spawn(process.execPath, [path.join(fixturesDir, script)], {
    env: { ...process.env, HONKER_FIXTURE: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const messages: Record<string, unknown>[] = []
  const waiters: { predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = []
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(line)
    } catch {
      return
    }
    messages.push(message)
    for (const waiter of [...waiters]) {
      if (waiter.predicate(message)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(message)
      }
    }
  })
  // 'close', not 'exit': 'exit' can fire before the last stdout lines have been read.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return {
    process: child,
    messages,
    stderr: () => stderr,
    exited,
    waitFor(predicate, timeoutMs = 30_000) {
      const seen = messages.find(predicate)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for a message from ${script}; stderr: ${stderr}`)),
          timeoutMs,
        )
        waiters.push({
          predicate,
          resolve: (m) => {
            clearTimeout(timer)
            resolve(m)
          },
        })
        void exited.then(({ code, signal }) => {
          clearTimeout(timer)
          reject(new Error(`${script} exited (${code ?? signal}) before the message arrived; stderr: ${stderr}`))
        })
      })
    },
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
