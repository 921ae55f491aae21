import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { expect } from 'vitest'

/** What a per-runtime suite (an adapter's test/runtimes/*.mjs, see runtime/checks.mjs) reported. */
export interface RuntimeSuiteResult {
  exitCode: number | null
  /** `{ check, ok, error }` for each check, in order. */
  checks: { check: string; ok: boolean; error?: string }[]
  /** The final `{ done: true, ... }` line, or undefined if the suite never got there. */
  done: Record<string, unknown> | undefined
  stderr: string
}

/**
 * Run `script` with `runtime` (Node 24 or Bun from scripts/runtimes.mjs, or this Node) in `cwd`,
 * with a fresh temp directory as its last argument, and collect its JSON lines. The script imports
 * the BUILT packages: build them first (`turbo run test` does).
 */
export function runRuntimeSuite(runtime: string, script: string, args: string[], options: { cwd: string; timeoutMs?: number }): Promise<RuntimeSuiteResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-runtime-'))
  const child = spawn(runtime, [script, ...args, dir], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const checks: RuntimeSuiteResult['checks'] = []
  let done: Record<string, unknown> | undefined
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(line) as Record<string, unknown>
    } catch {
      stderr += `${line}\n`
      return
    }
    if (message.done === true) done = message
    else checks.push(message as RuntimeSuiteResult['checks'][number])
  })
  const timer = setTimeout(() => {
    stderr += `\nkilled after ${options.timeoutMs ?? 60_000} ms`
    child.kill('SIGKILL')
  }, options.timeoutMs ?? 60_000)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (exitCode) => {
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
      resolve({ exitCode, checks, done, stderr })
    })
  })
}

/**
 * What every adapter's per-runtime suite must show: no failed check, all `checks` of them ran, the
 * app's library (`driver`) opened Honker's own connections too, nothing on stderr, exit 0.
 */
export function expectRuntimeSuitePassed(suite: RuntimeSuiteResult, expected: { checks: number; driver: string }): void {
  expect(suite.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.error}`)).toEqual([])
  expect(suite.checks.map((c) => c.check)).toHaveLength(expected.checks)
  expect(suite.done).toMatchObject({ driver: expected.driver, honkerDriver: expected.driver })
  expect(suite.stderr).toBe('')
  expect(suite.exitCode).toBe(0)
}
