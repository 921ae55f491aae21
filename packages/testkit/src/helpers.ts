import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A fresh database path in its own temp directory, and a function that removes it. */
export function tempDatabase(): { file: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-conformance-'))
  return { file: path.join(dir, 'app.db'), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

export interface WorkerProcess {
  /** Resolves with the first `handled` message for job `id`. */
  handled(id: number, timeoutMs?: number): Promise<{ id: number; payload: unknown }>
  ready: Promise<void>
  stop(): Promise<number | null>
}

/** A @honker/core worker in a child process (the built package), woken only by commits. */
export function spawnWorker(file: string, queue: string): WorkerProcess {
  return spawnWorkerScript(path.join(fixtures, 'worker.mjs'), { db: file, queue })
}

/**
 * A worker script in a child process, configured by `HONKER_FIXTURE` (JSON), printing JSON lines:
 * `{ event: 'ready' }`, then `{ event: 'handled', id, payload }` per job; it stops on SIGTERM.
 */
export function spawnWorkerScript(script: string, config: Record<string, unknown>): WorkerProcess {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, HONKER_FIXTURE: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const messages: Record<string, unknown>[] = []
  const listeners = new Set<() => void>()
  createInterface({ input: child.stdout! }).on('line', (line) => {
    messages.push(JSON.parse(line) as Record<string, unknown>)
    for (const listener of listeners) listener()
  })
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const find = <T>(predicate: (m: Record<string, unknown>) => boolean, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = messages.find(predicate)
        if (found === undefined) return false
        listeners.delete(listener)
        clearTimeout(timer)
        resolve(found as T)
        return true
      }
      const listener = (): void => void check()
      const timer = setTimeout(() => {
        listeners.delete(listener)
        reject(new Error('the worker process did not report in time'))
      }, timeoutMs)
      listeners.add(listener)
      check()
    })
  return {
    ready: find<void>((m) => m.event === 'ready', 30_000).then(() => undefined),
    handled: (id, timeoutMs = 30_000) => find((m) => m.event === 'handled' && m.id === id, timeoutMs),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      return closed
    },
  }
}
