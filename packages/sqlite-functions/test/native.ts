import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnFixture } from './helpers.ts'

// Copied from packages/core/test/native.ts: drives the published honker 0.5.1 Node binding in a
// child process (core's fixtures/honker-native.cjs). It links the system libsqlite3 while
// better-sqlite3 bundles its own SQLite; two SQLite copies in one process lose each other's POSIX
// locks. Never load it in the test process.

const NATIVE_MODULE = '@russellthehippo/honker-node-linux-x64-gnu'
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(NATIVE_MODULE)})`], {
  cwd: packageDir,
  encoding: 'utf8',
})
/** Why the native interop tests cannot run here, or null when they can. */
export const nativeSkipReason =
  probe.status === 0
    ? null
    : `${NATIVE_MODULE} cannot be loaded on ${process.platform}-${process.arch} (${
        probe.error?.message ?? probe.stderr.split('\n').find((line) => line.includes('Error')) ?? `exit ${probe.status}`
      })`
if (nativeSkipReason !== null) console.warn(`skipping honker interop tests: ${nativeSkipReason}`)

/**
 * Run statements through honker in one of its writer transactions (where its honker_* functions
 * exist); returns the rows of each step.
 */
export async function nativeSql(db: string, steps: { sql: string; params?: unknown[] }[]): Promise<Record<string, unknown>[][]> {
  const child = spawnFixture('honker-native.cjs', { op: 'sql', db, steps })
  const { code, signal } = await child.exited
  const rows = child.messages.find((message) => message.event === 'rows')
  if (code !== 0 || rows === undefined) {
    throw new Error(`honker child failed (${code ?? signal}): ${JSON.stringify(child.messages)} ${child.stderr()}`)
  }
  return rows.results as Record<string, unknown>[][]
}
