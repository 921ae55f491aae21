// Child-process plumbing shared by the soak runner (soak/run.mjs) and the CI reliability tests
// (test/reliability/*.test.ts): spawn a fixture script with its config, read append-only logs.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The fixture scripts live with the tests; they import '@honker/core', i.e. the built dist. */
export const fixturesDir = fileURLToPath(new URL('../../test/fixtures/', import.meta.url))

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Spawn `test/fixtures/<script>` with `config` in HONKER_FIXTURE; stdout is ignored (logs are files). */
export function spawnScript(script, config) {
  const child = spawn(process.execPath, [fixturesDir + script], {
    env: { ...process.env, HONKER_FIXTURE: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 20_000) stderr += chunk
  })
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  return {
    child,
    pid: child.pid,
    exited,
    get running() {
      return child.exitCode === null && child.signalCode === null
    },
    stderr: () => stderr,
  }
}

/** Resolve with `promise`'s value, or with null after `ms` (the timer never outlives the race). */
export async function within(promise, ms) {
  let timer
  const expired = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), ms)
  })
  try {
    return await Promise.race([promise, expired])
  } finally {
    clearTimeout(timer)
  }
}

/** Kill a child (if still running) and wait for it to be gone. */
export async function killAndWait(proc, signal = 'SIGKILL') {
  if (proc.running) proc.child.kill(signal)
  return proc.exited
}

/**
 * Parse a JSON-lines log written with one write(2) per line. A process killed by SIGKILL cannot
 * leave half a line (the signal is taken on return from write), but a line that does not parse is
 * reported rather than silently skipped.
 */
export function readLog(file) {
  if (!existsSync(file)) return { entries: [], bad: 0 }
  const entries = []
  let bad = 0
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue
    try {
      entries.push(JSON.parse(line))
    } catch {
      bad++
    }
  }
  return { entries, bad }
}

/** Count errors by code into `into`. */
export function countCode(into, code) {
  into[code] = (into[code] ?? 0) + 1
}

/** A random integer in [min, max]. */
export function randomBetween(min, max) {
  return min + Math.floor(Math.random() * (max - min + 1))
}
