import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnFixture } from './helpers.ts'

// Drives the published honker 0.5.1 Node binding in a child process (fixtures/honker-native.cjs):
// it links the system libsqlite3 while better-sqlite3 bundles its own SQLite, and two SQLite copies
// in one process lose each other's POSIX locks, and so writes. Never load it in the test process.

const NATIVE_MODULE = '@russellthehippo/honker-node-linux-x64-gnu'
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// The binding ships for Linux x64 only (and needs the system libsqlite3.so.0): probe in a child.
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

export type ClaimConfig = { db: string; queue: string; workerId: string; n: number; visibilityS: number }

export type NativeConfig =
  | { op: 'enqueue'; db: string; queue: string; jobs: { payload: unknown; priority?: number; maxAttempts?: number }[] }
  | ({ op: 'claim' | 'claim-ack' } & ClaimConfig)
  | { op: 'schema'; db: string }
  | { op: 'sql'; db: string; steps: { sql: string; params?: unknown[] }[] }

/** Run one honker operation in a child to completion; returns its messages keyed by event. */
export async function native(config: NativeConfig): Promise<Record<string, Record<string, unknown>>> {
  const child = spawnFixture('honker-native.cjs', config)
  // 'exit' can come before stdout is drained; 'close' comes after every line was read.
  await new Promise((resolve) => child.process.once('close', resolve))
  const { code, signal } = await child.exited
  if (code !== 0) {
    throw new Error(`honker child failed (${code ?? signal}): ${JSON.stringify(child.messages)} ${child.stderr()}`)
  }
  return Object.fromEntries(child.messages.map((message) => [message.event as string, message]))
}

/**
 * Run statements through honker in one of its writer transactions (where its honker_* functions
 * exist); returns the rows of each step.
 */
export async function nativeSql(db: string, steps: { sql: string; params?: unknown[] }[]): Promise<Record<string, unknown>[][]> {
  const out = await native({ op: 'sql', db, steps })
  return out.rows!.results as Record<string, unknown>[][]
}
