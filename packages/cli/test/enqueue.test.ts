import { describe, expect, it } from 'vitest'
import Sqlite from 'better-sqlite3'
import { onCleanup, runCli, tempDbPath } from './helpers.ts'

function readJobs(db: string): Record<string, unknown>[] {
  const connection = new Sqlite(db, { readonly: true })
  onCleanup(() => connection.close())
  return connection.prepare('SELECT * FROM _honker_live ORDER BY id').all() as Record<string, unknown>[]
}

describe('honker enqueue', () => {
  it('creates the file only with --create, then prints each new job id alone on a line', async () => {
    const db = tempDbPath()
    expect((await runCli(['enqueue', '--db', db, '--queue', 'emails'])).code).toBe(1)
    const first = await runCli(['enqueue', '--db', db, '--queue', 'emails', '--create', '--payload', '{"to":"a@example.com"}'])
    expect(first).toMatchObject({ code: 0, stdout: '1\n', stderr: '' })
    const second = await runCli(['enqueue', '--db', db, '--queue', 'emails', '--payload', '"just text"'])
    expect(second.stdout).toBe('2\n')
    const rows = readJobs(db)
    expect(rows.map((row) => row.payload)).toEqual(['{"to":"a@example.com"}', '"just text"'])
    expect(rows[0]).toMatchObject({ queue: 'emails', state: 'pending', priority: 0, attempts: 0, max_attempts: 3, expires_at: null })
  })

  it('applies --priority, --delay, --max-attempts and --expires, and prints JSON with --json', async () => {
    const db = tempDbPath()
    const before = Math.floor(Date.now() / 1000)
    const result = await runCli([
      'enqueue', '--db', db, '--create', '--queue', 'reports', '--payload', '{"n":1}',
      '--priority', '7', '--delay', '600', '--max-attempts', '5', '--expires', '3600', '--json',
    ])
    const after = Math.floor(Date.now() / 1000)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ id: 1, queue: 'reports' })
    const [row] = readJobs(db)
    expect(row).toMatchObject({ priority: 7, max_attempts: 5 })
    expect(row!.run_at as number).toBeGreaterThanOrEqual(before + 600)
    expect(row!.run_at as number).toBeLessThanOrEqual(after + 600)
    expect((row!.expires_at as number) - (row!.created_at as number)).toBe(3600)
  })

  it('reads the payload from stdin with --payload -', async () => {
    const db = tempDbPath()
    const result = await runCli(['enqueue', '--db', db, '--create', '--queue', 'emails', '--payload', '-'], {
      input: '{"to": "piped@example.com", "tags": [1, 2]}\n',
    })
    expect(result.code).toBe(0)
    expect(readJobs(db)[0]!.payload).toBe('{"to":"piped@example.com","tags":[1,2]}')
  })

  it('stores null when no payload is given', async () => {
    const db = tempDbPath()
    expect((await runCli(['enqueue', '--db', db, '--create', '--queue', 'pings'])).code).toBe(0)
    expect(readJobs(db)[0]!.payload).toBe('null')
  })
})
