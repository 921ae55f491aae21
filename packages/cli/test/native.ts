import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { packageDir } from './helpers.ts'

// Drives the published honker 0.5.1 Node binding through core's fixture (a child process: the
// binding links the system libsqlite3 while better-sqlite3 bundles another copy, and two copies in
// one process lose each other's POSIX locks). The fixture lives in core's tests; reusing it keeps
// one copy of the honker driving code.

const NATIVE_MODULE = '@russellthehippo/honker-node-linux-x64-gnu'
const fixture = path.resolve(packageDir, '../core/test/fixtures/honker-native.cjs')

const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(NATIVE_MODULE)})`], {
  cwd: path.dirname(fixture),
  encoding: 'utf8',
})
/** Why the honker interop tests cannot run here, or null when they can. */
export const nativeSkipReason =
  probe.status === 0
    ? null
    : `${NATIVE_MODULE} cannot be loaded on ${process.platform}-${process.arch} (${
        probe.error?.message ?? probe.stderr.split('\n').find((line) => line.includes('Error')) ?? `exit ${probe.status}`
      })`
if (nativeSkipReason !== null) console.warn(`skipping honker interop tests: ${nativeSkipReason}`)

/**
 * Run statements through honker in one of its writer transactions (where honker_* functions
 * exist); returns the rows of each step.
 */
export function nativeSql(db: string, steps: { sql: string; params?: unknown[] }[]): Promise<Record<string, unknown>[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture], {
      cwd: path.dirname(fixture),
      env: { ...process.env, HONKER_FIXTURE: JSON.stringify({ op: 'sql', db, steps }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const rows = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { event: string; results?: Record<string, unknown>[][] })
        .find((message) => message.event === 'rows')
      if (code !== 0 || rows?.results === undefined) reject(new Error(`honker child failed (${code}): ${stdout} ${stderr}`))
      else resolve(rows.results)
    })
  })
}
