import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
// @ts-expect-error a plain .mjs script without declarations
import { ensureRuntimes } from '../../../scripts/runtimes.mjs'
import { installWithoutBetterSqlite3, onCleanup, packageDir, runCli, startCli, tempDir, writeModule } from './helpers.ts'

// The built command run by other runtimes, on their own SQLite: `bun dist/bin.js` on bun:sqlite,
// Node 24's `node dist/bin.js` on node:sqlite. The file is set up and checked from this process
// (Node 20, better-sqlite3), so every run is also a cross-library check on one real file.

const runtimes = ensureRuntimes() as { node24: string; bun: string }

/** Whether the workspace's better-sqlite3 (built for the Node running the tests) also loads in Node 24. */
function betterSqlite3LoadsIn(runtime: string): boolean {
  try {
    execFileSync(runtime, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: packageDir, stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const RUNTIMES = [
  {
    label: 'Bun',
    runtime: runtimes.bun,
    driver: 'bun:sqlite',
    // Bun picks its own SQLite by default: better-sqlite3 is a Node addon Bun does not load.
    env: {},
    // The handler module opens its own connection with the same library, as app code does.
    appConnection: `import { Database } from 'bun:sqlite'
      const count = (file) => { const c = new Database(file, { readonly: true }); try { return c.query('SELECT count(*) AS n FROM _honker_live').get().n } finally { c.close() } }`,
  },
  {
    label: 'Node 24',
    runtime: runtimes.node24,
    driver: 'node:sqlite',
    env: { HONKER_DRIVER: 'node:sqlite' },
    appConnection: `import { DatabaseSync } from 'node:sqlite'
      const count = (file) => { const c = new DatabaseSync(file, { readOnly: true }); try { return c.prepare('SELECT count(*) AS n FROM _honker_live').get().n } finally { c.close() } }`,
  },
] as const

function json(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('the command in other runtimes, on their own SQLite', () => {
  for (const { label, runtime, driver, env, appConnection } of RUNTIMES) {
    it(`${label} (${driver}): enqueue --create, jobs list, status, worker with a handler module, tail`, async () => {
      const dir = tempDir()
      const file = path.join(dir, 'app.db')
      const cli = (args: string[]) => runCli(args, { runtime, env, cwd: dir })

      // enqueue creates the file and honker's tables with this runtime's library.
      const ids: number[] = []
      for (const to of ['a@example.com', 'b@example.com']) {
        const enqueued = await cli(['enqueue', '--db', file, '--queue', 'emails', '--payload', JSON.stringify({ to }), '--create', '--json'])
        expect(enqueued, enqueued.stderr).toMatchObject({ code: 0, stderr: '' })
        ids.push(json(enqueued.stdout)[0]!.id as number)
      }
      expect(ids).toEqual([1, 2])

      const listed = await cli(['jobs', 'list', '--db', file, '--json'])
      expect(listed).toMatchObject({ code: 0, stderr: '' })
      expect(json(listed.stdout).map((job) => [job.id, job.queue, job.state, job.payload])).toEqual([
        [1, 'emails', 'pending', { to: 'a@example.com' }],
        [2, 'emails', 'pending', { to: 'b@example.com' }],
      ])

      // A stream and a consumer from this process (better-sqlite3), for status and tail to read.
      const setup = open(file)
      onCleanup(() => setup.close())
      setup.stream('orders').publish({ n: 1 })
      setup.stream('orders').publish({ n: 2 })
      setup.stream('orders').saveOffset('audit', 1)

      const before = await cli(['status', '--db', file, '--json'])
      expect(before).toMatchObject({ code: 0, stderr: '' })
      const status = JSON.parse(before.stdout) as Record<string, any>
      expect(status.database).toBe(file)
      expect(status.queues).toEqual([{ queue: 'emails', pending: 2, delayed: 0, processing: 0, dead: 0, oldestPendingS: expect.any(Number) }])
      expect(status.streams).toEqual([{ topic: 'orders', events: 2, lastOffset: 2, consumers: [{ consumer: 'audit', offset: 1, lag: 1 }] }])

      const handler = writeModule(dir, 'handlers.mjs', `${appConnection}
        export async function emails(job, { db }) {
          db.queue('audit').enqueue({ id: job.id })
          return { to: job.payload.to, live: count(${JSON.stringify(file)}) }
        }`)
      const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler, '--results', '--status-interval', '0.1'], { runtime, env, cwd: dir })
      for (const id of ids) await worker.waitFor((m) => m.event === 'job:completed' && m.id === id)
      // The progress line's oldest-pending read ran on the worker's read-only connection.
      await worker.waitFor((m) => m.event === 'status' && m.processed === 2)
      worker.process.kill('SIGTERM')
      expect(await worker.exited).toEqual({ code: 0, signal: null })
      expect(worker.messages[0]).toMatchObject({ event: 'worker:started', queue: 'emails', driver })
      expect(worker.stderr()).toBe('')
      expect(setup.getResult(ids[0]!)).toMatchObject({ found: true, value: { to: 'a@example.com', live: expect.any(Number) } })
      expect(setup.queue('audit').counts().pending).toBe(2)

      const after = JSON.parse((await cli(['status', '--db', file, '--json'])).stdout) as Record<string, any>
      expect(after.queues.map((q: any) => [q.queue, q.pending, q.processing])).toEqual([['audit', 2, 0]])

      // tail without --from starts at the topic's last offset (core's STREAM_LAST_OFFSET).
      const tail = startCli(['tail', '--db', file, '--stream', 'orders', '--limit', '1'], { runtime, env, cwd: dir })
      await tail.waitForStderr('after offset 2')
      setup.stream('orders').publish({ n: 3 })
      expect(await tail.waitFor((m) => m.offset === 3)).toMatchObject({ topic: 'orders', payload: { n: 3 } })
      expect((await tail.exited).code).toBe(0)
      expect(tail.messages).toHaveLength(1)
    })
  }

  it('Node 24 without HONKER_DRIVER: better-sqlite3 where it loads, else node:sqlite; --driver names one', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'app.db')
    open(file).close()
    const handler = writeModule(dir, 'handlers.mjs', 'export default () => {}')
    const [id] = (() => {
      const db = open(file)
      try {
        return db.queue('q').enqueueMany([{}])
      } finally {
        db.close()
      }
    })()
    // The workspace's better-sqlite3 is built for the Node running the tests: on another Node its
    // addon refuses to load (NODE_MODULE_VERSION), and the command falls back to node:sqlite.
    const expected = betterSqlite3LoadsIn(runtimes.node24) ? 'better-sqlite3' : 'node:sqlite'
    const worker = startCli(['worker', '--db', file, '--queue', 'q', '--handler', handler], { runtime: runtimes.node24, cwd: packageDir })
    await worker.waitFor((m) => m.event === 'job:completed' && m.id === id)
    worker.process.kill('SIGTERM')
    expect((await worker.exited).code).toBe(0)
    expect(worker.messages[0]).toMatchObject({ driver: expected })

    // --driver (or HONKER_DRIVER) picks the library, and says why when it cannot load here.
    const named = startCli(['worker', '--db', file, '--queue', 'q', '--handler', handler, '--driver', 'node:sqlite'], { runtime: runtimes.node24 })
    await named.waitFor((m) => m.event === 'worker:started')
    named.process.kill('SIGTERM')
    expect((await named.exited).code).toBe(0)
    expect(named.messages[0]).toMatchObject({ driver: 'node:sqlite' })
    const bun = await runCli(['status', '--db', file, '--driver', 'bun:sqlite'], { runtime: runtimes.node24 })
    expect(bun).toMatchObject({ code: 1, stdout: '' })
    expect(bun.stderr).toMatch(/^honker: bun:sqlite cannot be loaded here: .*\(driver_unavailable\)\n$/)
    const wrong = await runCli(['status', '--db', file], { runtime: runtimes.node24, env: { HONKER_DRIVER: 'sqlite3' } })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/HONKER_DRIVER.*expected one of better-sqlite3, node:sqlite, bun:sqlite.*\(usage\)\n$/)
  })

  it('an install without better-sqlite3 runs on the runtime\'s own SQLite (Node 24, Bun)', async () => {
    const { root, bin } = installWithoutBetterSqlite3()
    const file = path.join(root, 'app.db')
    const handler = writeModule(root, 'handlers.mjs', 'export async function q(job) { return job.payload }')
    for (const [runtime, driver] of [[runtimes.node24, 'node:sqlite'], [runtimes.bun, 'bun:sqlite']] as const) {
      const enqueued = await runCli(['enqueue', '--db', file, '--queue', 'q', '--payload', '"x"', '--create'], { runtime, bin, cwd: root, env: { NODE_PATH: '' } })
      expect(enqueued, enqueued.stderr).toMatchObject({ code: 0, stderr: '' })
      const worker = startCli(['worker', '--db', file, '--queue', 'q', '--handler', handler], { runtime, bin, cwd: root, env: { NODE_PATH: '' } })
      await worker.waitFor((m) => m.event === 'job:completed' && m.id === Number(enqueued.stdout))
      worker.process.kill('SIGTERM')
      expect((await worker.exited).code).toBe(0)
      expect(worker.messages[0]).toMatchObject({ driver })
      const explicit = await runCli(['status', '--db', file, '--driver', 'better-sqlite3'], { runtime, bin, cwd: root, env: { NODE_PATH: '' } })
      expect(explicit.code).toBe(1)
      expect(explicit.stderr).toMatch(/^honker: better-sqlite3 is not installed .*\(driver_not_found\)\n$/)
    }
  })
})
