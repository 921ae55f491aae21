import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
// @ts-expect-error a plain .mjs script without declarations
import { ensureRuntimes } from '../../../scripts/runtimes.mjs'
import { tempDbPath } from './helpers.ts'

// The extension on each library that can load one, in that library's own runtime: better-sqlite3
// on this Node, node:sqlite on Node 24, bun:sqlite on Bun (both installed from npm by
// scripts/runtimes.mjs). The suite is plain JavaScript over the built dist/, as an app runs it.

const runtimes = ensureRuntimes() as { node24: string; bun: string }
const here = path.dirname(fileURLToPath(import.meta.url))
const DRIVERS = [
  { driver: 'better-sqlite3', runtime: process.execPath, label: `Node ${process.version}`, checks: 6 },
  { driver: 'node:sqlite', runtime: runtimes.node24, label: 'Node 24', checks: 7 },
  { driver: 'bun:sqlite', runtime: runtimes.bun, label: 'Bun', checks: 7 },
] as const

/** The SQLite version of the sqlite3ext.h the extension was compiled against (better-sqlite3's). */
const headerVersion = (() => {
  const dir = path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'))
  return /#define SQLITE_VERSION\s+"([^"]+)"/.exec(readFileSync(path.join(dir, 'deps', 'sqlite3', 'sqlite3.h'), 'utf8'))![1]
})()

function runSuite(runtime: string, driver: string): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(runtime, [path.join(here, 'runtimes', 'functions-suite.mjs'), driver, path.dirname(tempDbPath())], {
      cwd: path.join(here, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const lines = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
      resolve({ code, lines, stderr })
    })
  })
}

describe('the SQL functions on every library that loads extensions', () => {
  for (const { driver, runtime, label, checks } of DRIVERS) {
    it(`${driver} on ${label}: notify, a trigger's honker_enqueue, honker_claim_batch, the scheduler's cron, core's transaction`, async () => {
      const { code, lines, stderr } = await runSuite(runtime, driver)
      const failures = lines.filter((line) => line.ok === false).map((line) => `${line.check}: ${line.error}`)
      expect(failures).toEqual([])
      expect(code).toBe(0)
      expect(stderr).toBe('')
      expect(lines.filter((line) => line.ok === true)).toHaveLength(checks)
      const done = lines.find((line) => line.done === true)
      expect(done).toMatchObject({ driver, checks, sqlite: expect.stringMatching(/^3\.\d+\.\d+$/) })
      // One build loads into each runtime's own SQLite, whatever version its headers came from:
      // the extension calls SQLite only through the routine table the loader hands it.
      if (driver !== 'better-sqlite3') console.log(`${driver}: SQLite ${String(done!.sqlite)}, extension built with ${headerVersion} headers`)
    }, 60_000)
  }
})

describe('libsql', () => {
  // In a child process on libsql alone (one SQLite library per process), with the libsql that
  // @honker/core's driver tests use.
  it('is refused with extension_unsupported, before anything is loaded or migrated', async () => {
    const file = tempDbPath()
    const script = `
      import { createRequire } from 'node:module'
      const require = createRequire(import.meta.url)
      const Database = createRequire(require.resolve('@honker/core/package.json'))('libsql')
      const { registerFunctions } = await import('@honker/sqlite-functions')
      const handle = new Database(process.argv[1])
      try {
        registerFunctions(handle)
        console.log(JSON.stringify({ registered: true }))
      } catch (error) {
        const tables = handle.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '_honker%'").get().n
        console.log(JSON.stringify({ code: error.code, message: error.message, tables }))
      }
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, file], { cwd: path.join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({ code: 'extension_unsupported', message: expect.stringMatching(/^libsql cannot define SQL functions/), tables: 0 })
  })
})
