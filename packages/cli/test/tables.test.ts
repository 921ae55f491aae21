import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import Sqlite from 'better-sqlite3'
import { runCli, startCli, tempDbPath, tempDir, writeModule } from './helpers.ts'

// Every command treats a SQLite file without honker's tables the same way: it refuses it
// (`not_a_honker_database`) and writes nothing. The commands that can usefully start on an empty
// queue (worker, enqueue, tail, scheduler run) add the tables, or create the file, with --create.

/** An app's SQLite file with its own table and none of honker's. */
function plainFile(): string {
  const file = tempDbPath()
  const connection = new Sqlite(file)
  connection.exec('CREATE TABLE users (id INTEGER PRIMARY KEY)')
  connection.close()
  return file
}

function tables(file: string): string[] {
  const connection = new Sqlite(file, { readonly: true })
  try {
    return (connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[])
  } finally {
    connection.close()
  }
}

describe('a SQLite file without honker tables', () => {
  it('is refused by every command with one coded line, and left untouched', async () => {
    const file = plainFile()
    const handler = writeModule(tempDir(), 'noop.mjs', 'export default () => {}')
    const withCreate = `honker: ${file} has no honker tables; is --db the right file? Pass --create to add them (not_a_honker_database)\n`
    const without = `honker: ${file} has no honker tables; is --db the right file? (not_a_honker_database)\n`
    const cases: [string[], string][] = [
      [['worker', '--db', file, '--queue', 'q', '--handler', handler], withCreate],
      [['enqueue', '--db', file, '--queue', 'q', '--payload', '1'], withCreate],
      [['tail', '--db', file, '--channel', 'c'], withCreate],
      [['scheduler', 'run', '--db', file], withCreate],
      [['status', '--db', file], without],
      [['dead', 'list', '--db', file, '--queue', 'q'], without],
      [['dead', 'retry', '--db', file, '--queue', 'q', '--all'], without],
      [['dead', 'delete', '--db', file, '--queue', 'q', '--all'], without],
      [['jobs', 'list', '--db', file], without],
      [['jobs', 'release', '--db', file, '--queue', 'q', '--all-expired'], without],
    ]
    for (const [args, expected] of cases) {
      const result = await runCli(args, { timeoutMs: 8000 })
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stdout, args.join(' ')).toBe('')
      expect(result.stderr, args.join(' ')).toBe(expected)
      expect(tables(file), args.join(' ')).toEqual(['users'])
    }
  })

  it('--create adds honker tables beside the app\'s (enqueue, worker)', async () => {
    const file = plainFile()
    const enqueued = await runCli(['enqueue', '--db', file, '--queue', 'q', '--payload', '1', '--create'])
    expect(enqueued).toMatchObject({ code: 0, stdout: '1\n', stderr: '' })
    expect(tables(file)).toContain('_honker_live')
    expect(tables(file)).toContain('users')

    const other = plainFile()
    const handler = writeModule(tempDir(), 'noop.mjs', 'export default () => {}')
    const worker = startCli(['worker', '--db', other, '--queue', 'q', '--handler', handler, '--create'])
    await worker.waitFor((m) => m.event === 'worker:started')
    worker.process.kill('SIGTERM')
    expect((await worker.exited).code).toBe(0)
    expect(tables(other)).toContain('_honker_live')
  })

  it('a missing file: --create creates it; without it the error says so', async () => {
    const file = tempDbPath()
    const handler = writeModule(tempDir(), 'noop.mjs', 'export default () => {}')
    const refused = await runCli(['worker', '--db', file, '--queue', 'q', '--handler', handler])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`honker: no database file at ${file} (check --db, or pass --create to create it) (database_not_found)\n`)
    expect(existsSync(file)).toBe(false)
    const worker = startCli(['worker', '--db', file, '--queue', 'q', '--handler', handler, '--create'])
    await worker.waitFor((m) => m.event === 'worker:started')
    worker.process.kill('SIGTERM')
    expect((await worker.exited).code).toBe(0)
    expect(tables(file)).toContain('_honker_live')
  })
})
