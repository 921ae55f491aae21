import { describe, expect, it } from 'vitest'
import { cpSync, mkdirSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { open } from '@honker/core'
import { installWithoutBetterSqlite3, onCleanup, packageDir, runCli, startCli, tempDir, writeModule } from './helpers.ts'

// The CLI must run on the app's own better-sqlite3: a handler module that loads its copy while
// the CLI loads another puts two SQLite libraries in one process, which lose each other's POSIX
// locks on the same file.

const requireHere = createRequire(path.join(packageDir, 'package.json'))
/** The workspace's better-sqlite3 package directory (in pnpm's store) and its runtime dependencies. */
const betterSqlite3Dir = realpathSync(path.dirname(requireHere.resolve('better-sqlite3/package.json')))
const requireFromDriver = createRequire(path.join(betterSqlite3Dir, 'package.json'))
const bindingsDir = realpathSync(path.dirname(requireFromDriver.resolve('bindings/package.json')))
const fileUriDir = realpathSync(path.dirname(createRequire(path.join(bindingsDir, 'package.json')).resolve('file-uri-to-path/package.json')))

/** An app directory with its own copy of better-sqlite3 at a different path than the CLI's. */
function appWithOwnDriver(): { dir: string; addon: string } {
  const dir = path.join(tempDir(), 'app')
  const modules = path.join(dir, 'node_modules')
  mkdirSync(modules, { recursive: true })
  const copy = path.join(modules, 'better-sqlite3')
  // The package as installed, without its C sources and build intermediates.
  for (const part of ['package.json', 'lib', 'build/Release/better_sqlite3.node']) {
    cpSync(path.join(betterSqlite3Dir, part), path.join(copy, part), { recursive: true })
  }
  cpSync(bindingsDir, path.join(modules, 'bindings'), { recursive: true, dereference: true })
  cpSync(fileUriDir, path.join(modules, 'file-uri-to-path'), { recursive: true, dereference: true })
  return { dir, addon: path.join(copy, 'build', 'Release', 'better_sqlite3.node') }
}

describe.skipIf(process.platform !== 'linux')('the SQLite driver', () => {
  it("worker uses the better-sqlite3 the handler module resolves: one better_sqlite3.node in the process", async () => {
    const { dir, addon } = appWithOwnDriver()
    const file = path.join(dir, 'app.db')
    const setup = open(file)
    onCleanup(() => setup.close())
    const [id] = setup.queue('emails').enqueueMany([{ to: 'a@example.com' }])
    // The app's own code opens the same file with its own better-sqlite3, as handlers do.
    const handler = writeModule(dir, 'handlers.mjs', `
      import Database from 'better-sqlite3'
      import { readFileSync } from 'node:fs'
      const app = new Database(${JSON.stringify(file)})
      export async function emails(job, { db }) {
        const queued = app.prepare('SELECT count(*) AS n FROM _honker_live').get().n
        db.queue('audit').enqueue({ id: job.id })
        const addons = new Set(readFileSync('/proc/self/maps', 'utf8').split('\\n')
          .filter((line) => line.endsWith('better_sqlite3.node'))
          .map((line) => line.slice(line.indexOf('/'))))
        return { queued, addons: [...addons] }
      }
    `)
    const worker = startCli(['worker', '--db', file, '--queue', 'emails', '--handler', handler, '--results'], { cwd: dir })
    await worker.waitFor((m) => m.event === 'job:completed' && m.id === id)
    worker.process.kill('SIGTERM')
    expect((await worker.exited).code).toBe(0)
    expect(setup.getResult(id!)).toEqual({ found: true, value: { queued: 1, addons: [addon] } })
    expect(setup.queue('audit').counts().pending).toBe(1)
  })

  it('refuses with one coded line when better-sqlite3 cannot be found from the app or the CLI', async () => {
    // Node 20 has no built-in SQLite to fall back to (Node 22.5+ and Bun do: test/runtimes.test.ts).
    const { root, bin } = installWithoutBetterSqlite3()
    const file = path.join(root, 'app.db')
    open(file).close()
    const handler = writeModule(root, 'handlers.mjs', 'export default () => {}')
    for (const args of [
      ['status', '--db', file],
      ['worker', '--db', file, '--queue', 'q', '--handler', handler],
    ]) {
      const result = await runCli(args, { bin, cwd: root, env: { NODE_PATH: '' } })
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr).toMatch(/^honker: better-sqlite3 is not installed .*npm install better-sqlite3.*Node 22\.5\+ \(node:sqlite\) or Bun \(driver_not_found\)\n$/)
    }
  })
})
