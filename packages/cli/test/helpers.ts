import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

/** The built command under test: every test runs the real binary in a child process. */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const binPath = path.join(packageDir, 'dist', 'bin.js')
if (!existsSync(binPath)) throw new Error(`${binPath} is missing: build first (npm test does: tsc -p tsconfig.build.json)`)

const cleanups: (() => void)[] = []

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!()
})

export function onCleanup(fn: () => void): void {
  cleanups.push(fn)
}

/** A fresh directory for one test, removed afterwards. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-cli-test-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A database path in a fresh directory (the file itself does not exist yet). */
export function tempDbPath(name = 'app.db'): string {
  return path.join(tempDir(), name)
}

/** Write a handler module next to the database; returns its path. */
export function writeModule(dir: string, name: string, source: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, source)
  return file
}

/** The environment children get: no inherited HONKER_DB or HONKER_DRIVER, no colours. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra }
  if (!('HONKER_DB' in extra)) delete env.HONKER_DB
  if (!('HONKER_DRIVER' in extra)) delete env.HONKER_DRIVER
  return env
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Run `honker <args>` to completion. */
export function runCli(
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number; cwd?: string; bin?: string; runtime?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.runtime ?? process.execPath, [options.bin ?? binPath, ...args], {
      env: childEnv(options.env),
      cwd: options.cwd ?? packageDir,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`honker ${args.join(' ')} did not finish; stdout: ${stdout} stderr: ${stderr}`))
    }, options.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

export interface LiveCli {
  process: ChildProcess
  /** JSON lines printed on stdout so far. */
  messages: Record<string, unknown>[]
  stdout(): string
  stderr(): string
  /** Resolves with the first stdout JSON line matching `predicate` (already seen or future). */
  waitFor(predicate: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  /** Resolves once stderr contains `text`. */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Start a long-running `honker <args>` (worker, tail, scheduler run); killed after the test if still alive. */
export function startCli(args: string[], options: { env?: Record<string, string>; cwd?: string; runtime?: string; bin?: string } = {}): LiveCli {
  const child = spawn(options.runtime ?? process.execPath, [options.bin ?? binPath, ...args], {
    env: childEnv(options.env),
    cwd: options.cwd ?? packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const messages: Record<string, unknown>[] = []
  let stdout = ''
  let stderr = ''
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const listener of [...listeners]) listener()
  }
  child.stderr!.on('data', (chunk) => {
    stderr += chunk
    notify()
  })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout += `${line}\n`
    try {
      messages.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      // A handler's own console.log: not one of ours.
    }
    notify()
  })
  // Set before the listeners run, so a wait still pending when the process exits fails at once.
  let closed = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      closed = true
      resolve({ code, signal })
      notify()
    }),
  )
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const until = <T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const value = check()
        if (value !== undefined) {
          cleanup()
          resolve(value)
          return true
        }
        if (closed) {
          cleanup()
          reject(new Error(`honker ${args[0]} exited before ${what}; stdout: ${stdout} stderr: ${stderr}`))
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`timed out waiting for ${what}; stdout: ${stdout} stderr: ${stderr}`))
      }, timeoutMs)
      const listener = (): void => void attempt()
      const cleanup = (): void => {
        clearTimeout(timer)
        listeners.delete(listener)
      }
      listeners.add(listener)
      attempt()
    })
  return {
    process: child,
    messages,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (predicate, timeoutMs = 20_000) => until(() => messages.find(predicate), 'a matching JSON line', timeoutMs),
    waitForStderr: (text, timeoutMs = 20_000) =>
      until(() => (stderr.includes(text) ? true : undefined), JSON.stringify(text), timeoutMs).then(() => undefined),
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * An install of the CLI without better-sqlite3 anywhere: its own files, core and commander, in a
 * fresh directory (`root`, also a fine cwd). `bin` is its dist/bin.js.
 */
export function installWithoutBetterSqlite3(): { root: string; bin: string } {
  const root = tempDir()
  const modules = path.join(root, 'node_modules')
  const cli = path.join(modules, '@honker', 'cli')
  mkdirSync(cli, { recursive: true })
  cpSync(path.join(packageDir, 'dist'), path.join(cli, 'dist'), { recursive: true })
  cpSync(path.join(packageDir, 'package.json'), path.join(cli, 'package.json'))
  symlinkSync(path.resolve(packageDir, '../core'), path.join(modules, '@honker', 'core'))
  const requireHere = createRequire(path.join(packageDir, 'package.json'))
  symlinkSync(realpathSync(path.dirname(requireHere.resolve('commander'))), path.join(modules, 'commander'))
  return { root, bin: path.join(cli, 'dist', path.basename(binPath)) }
}
