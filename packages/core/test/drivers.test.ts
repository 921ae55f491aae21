import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
// @ts-expect-error a plain .mjs script without declarations
import { ensureRuntimes } from '../../../scripts/runtimes.mjs'
import { native, nativeSkipReason } from './native.ts'
import { onCleanup, sleep, tempDbPath } from './helpers.ts'

// Each driver in its own runtime, the way an app would run it: better-sqlite3 and libsql on this
// Node, node:sqlite on Node 24 and bun:sqlite on Bun, both installed from npm by scripts/runtimes.mjs.
// libsql runs with --expose-gc: its statements keep a closed connection's file open until they are
// collected (the suite's descriptor check collects; see src/driver/libsql.ts).
const runtimes = ensureRuntimes() as { node24: string; bun: string }
const here = path.dirname(fileURLToPath(import.meta.url))
const DRIVERS = [
  { driver: 'better-sqlite3', runtime: process.execPath, label: `Node ${process.version}`, flags: [] },
  { driver: 'node:sqlite', runtime: runtimes.node24, label: 'Node 24', flags: [] },
  { driver: 'bun:sqlite', runtime: runtimes.bun, label: 'Bun', flags: [] },
  { driver: 'libsql', runtime: process.execPath, label: `Node ${process.version}`, flags: ['--expose-gc'] },
] as const
/** The drivers open(path) may pick by itself: libsql only when named. */
const DEFAULTS = DRIVERS.filter((d) => d.driver !== 'libsql')

interface Running {
  messages: Record<string, unknown>[]
  stderr: () => string
  exited: Promise<number | null>
  kill(signal: NodeJS.Signals): void
  waitFor(predicate: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
}

function run(runtime: string, script: string, args: string[], config?: unknown, flags: readonly string[] = []): Running {
  const child = spawn(runtime, [...flags, path.join(here, 'drivers', script), ...args], {
    cwd: path.join(here, '..'),
    env: { ...process.env, HONKER_FIXTURE: JSON.stringify(config ?? null) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const messages: Record<string, unknown>[] = []
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line))
    } catch {
      stderr += `${line}\n`
    }
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    messages,
    stderr: () => stderr,
    exited,
    kill: (signal) => child.kill(signal),
    async waitFor(predicate, timeoutMs = 30_000) {
      const started = Date.now()
      for (;;) {
        const found = messages.find(predicate)
        if (found !== undefined) return found
        if (Date.now() - started > timeoutMs || child.exitCode !== null) {
          throw new Error(`${script} (${runtime}): no such message; stderr: ${stderr}`)
        }
        await sleep(10)
      }
    },
  }
}

describe('the behaviour suite on every driver', () => {
  for (const { driver, runtime, label, flags } of DRIVERS) {
    it(`${driver} on ${label}`, async () => {
      const suite = run(runtime, 'behaviour-suite.mjs', [driver, path.dirname(tempDbPath())], undefined, flags)
      expect(await suite.exited).toBe(0)
      const failures = suite.messages.filter((m) => m.ok === false).map((m) => `${m.check}: ${m.error}`)
      expect(failures).toEqual([])
      expect(suite.messages.filter((m) => m.ok === true).length).toBe(14)
      // The library that ran is the one asked for, and no warning went to stderr.
      expect(suite.messages.find((m) => m.done === true)).toMatchObject({ driver })
      expect(suite.stderr()).toBe('')
    }, 60_000)
  }
})

describe('the default driver', () => {
  // Node 24 here cannot load the workspace's better-sqlite3 (built for Node 20): open() falls back
  // to node:sqlite instead of failing at the first open. Bun cannot load better-sqlite3 at all.
  for (const { driver, runtime, label } of DEFAULTS) {
    it(`open(path) with no driver picks ${driver} on ${label}`, async () => {
      const { HONKER_DRIVER: _, ...env } = process.env
      const child = spawnSync(runtime, [path.join(here, 'drivers', 'default-driver.mjs'), tempDbPath()], {
        cwd: path.join(here, '..'),
        env,
        encoding: 'utf8',
      })
      expect(child.stderr).toBe('')
      expect(JSON.parse(child.stdout)).toEqual({ driver })
    })
  }
})

describe('one file, five implementations at once', () => {
  it.skipIf(nativeSkipReason !== null)('a Bun producer, a Node 24 node:sqlite worker, Node 20 better-sqlite3 and libsql workers and honker native: every job acked exactly once', async () => {
    const file = tempDbPath()
    open(file).close() // the tables, created once
    const queue = 'shared'
    const workers = DRIVERS.filter((d) => d.driver !== 'bun:sqlite').map(({ driver, runtime }) =>
      run(runtime, 'driver-worker.mjs', [], { db: file, queue, driver }),
    )
    for (const worker of workers) await worker.waitFor((m) => m.event === 'ready')
    const bun = DRIVERS.find((d) => d.driver === 'bun:sqlite')!
    const producer = run(bun.runtime, 'driver-producer.mjs', [], { db: file, queue, driver: 'bun:sqlite', count: 600, batch: 20 })
    // honker's own module enqueues too, and claims and acks a share itself.
    const nativeIds: number[] = []
    let nativeAcked = 0
    for (let round = 0; round < 5; round++) {
      const enqueued = await native({ op: 'enqueue', db: file, queue, jobs: Array.from({ length: 40 }, (_, i) => ({ payload: { round, i } })) })
      nativeIds.push(...(enqueued.enqueued!.ids as number[]))
      const claimed = await native({ op: 'claim-ack', db: file, queue, workerId: 'honker-native', n: 10, visibilityS: 300 })
      nativeAcked += claimed.acked!.count as number
    }
    expect(await producer.exited).toBe(0)
    const bunIds = (await producer.waitFor((m) => m.event === 'enqueued')).ids as number[]
    expect(bunIds).toHaveLength(600)
    const all = [...bunIds, ...nativeIds]
    const handled = () => workers.flatMap((w) => w.messages.filter((m) => m.event === 'handled').map((m) => m.id as number))
    const started = Date.now()
    while (handled().length + nativeAcked < all.length && Date.now() - started < 30_000) await sleep(20)
    for (const worker of workers) worker.kill('SIGTERM')
    for (const worker of workers) expect(await worker.exited).toBe(0)

    const ids = handled()
    expect(new Set(ids).size).toBe(ids.length) // no job ran twice
    expect(ids.length + nativeAcked).toBe(all.length) // and none was lost
    // Both in-process drivers did real work, and nothing is left behind.
    for (const worker of workers) expect(worker.messages.filter((m) => m.event === 'handled').length).toBeGreaterThan(0)
    for (const worker of workers) expect(worker.messages.filter((m) => m.event === 'lost')).toEqual([])
    const db = open(file)
    onCleanup(() => db.close())
    expect(db.queue(queue).counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
  }, 120_000)
})
