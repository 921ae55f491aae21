import { describe, expect, it } from 'vitest'
import { existsSync, writeFileSync } from 'node:fs'
import { runCli, tempDbPath } from './helpers.ts'

const COMMANDS = [
  ['worker'],
  ['status'],
  ['dead'],
  ['dead', 'list'],
  ['dead', 'retry'],
  ['dead', 'delete'],
  ['jobs'],
  ['jobs', 'list'],
  ['jobs', 'release'],
  ['enqueue'],
  ['tail'],
  ['scheduler'],
  ['scheduler', 'run'],
]

describe('help and usage errors', () => {
  it('prints help for the program and every command, exit 0', async () => {
    const top = await runCli(['--help'])
    expect(top.code).toBe(0)
    for (const name of ['worker', 'status', 'dead', 'jobs', 'enqueue', 'tail', 'scheduler']) expect(top.stdout).toContain(name)
    for (const command of COMMANDS) {
      const result = await runCli([...command, '--help'])
      expect(result.code, command.join(' ')).toBe(0)
      expect(result.stdout).toContain(`Usage: honker ${command.join(' ')}`)
      expect(result.stderr).toBe('')
    }
  })

  it('prints the version', async () => {
    const result = await runCli(['--version'])
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('exits 2 with the help on stderr when no command is given', async () => {
    for (const args of [[], ['dead'], ['jobs'], ['scheduler']]) {
      const result = await runCli(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain('Usage: honker')
    }
  })

  it('reports command-line mistakes as one line with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['bogus'], /^honker: unknown command 'bogus'; see 'honker --help' \(usage\)$/],
      [['status'], /^honker: required option '--db <path>' not specified; see 'honker status --help' \(usage\)$/],
      [['status', '--db', 'x.db', '--bogus'], /^honker: unknown option '--bogus'.*\(usage\)$/],
      [['worker', '--db', 'x.db', '--queue', 'q', '--handler', 'h.js', '--concurrency', 'zero'], /^honker: option '--concurrency <n>' argument 'zero' is invalid\. expected a whole number; see 'honker worker --help' \(usage\)$/],
      [['enqueue', '--db', 'x.db', '--queue', 'q', '--payload', '{nope'], /^honker: option '--payload <json>' argument '\{nope' is invalid\. not valid JSON .*\(usage\)$/],
      [['dead', 'retry', '--db', 'x.db', '--queue', 'q'], /^honker: say which dead jobs: --id N \[N \.\.\.\] or --all \(usage\)$/],
      [['dead', 'delete', '--db', 'x.db', '--queue', 'q', '--id', '1', '--all'], /^honker: give either --id or --all, not both \(usage\)$/],
      [['dead', 'retry', '--db', 'x.db', '--queue', 'q', '--id', '-3'], /argument '-3' is invalid\. must be >= 1.*\(usage\)$/],
      [['tail', '--db', 'x.db'], /^honker: give exactly one of --channel <name> or --stream <topic> \(usage\)$/],
      [['tail', '--db', 'x.db', '--channel', 'a', '--from', '3'], /^honker: --from and --consumer apply to --stream.*\(usage\)$/],
    ]
    for (const [args, expected] of cases) {
      const result = await runCli(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stdout).toBe('')
      const lines = result.stderr.trimEnd().split('\n')
      expect(lines, result.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(expected)
    }
  })
})

describe('runtime errors', () => {
  it('refuses a database file that does not exist: one line, exit 1, no stack trace', async () => {
    const db = tempDbPath()
    for (const args of [
      ['status', '--db', db],
      ['dead', 'list', '--db', db, '--queue', 'q'],
      ['jobs', 'list', '--db', db],
      ['jobs', 'release', '--db', db, '--queue', 'q', '--all-expired'],
    ]) {
      const result = await runCli(args)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr).toBe(`honker: no database file at ${db} (check --db) (database_not_found)\n`)
    }
    // The commands that take --create say so.
    for (const args of [
      ['enqueue', '--db', db, '--queue', 'q'],
      ['tail', '--db', db, '--channel', 'c'],
      ['scheduler', 'run', '--db', db],
    ]) {
      const result = await runCli(args)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr).toBe(`honker: no database file at ${db} (check --db, or pass --create to create it) (database_not_found)\n`)
    }
    expect(existsSync(db)).toBe(false)
  })

  it('prints the stack under --verbose', async () => {
    const db = tempDbPath()
    const result = await runCli(['status', '--db', db, '--verbose'])
    expect(result.code).toBe(1)
    const [first, ...rest] = result.stderr.trimEnd().split('\n')
    expect(first).toBe(`honker: no database file at ${db} (check --db) (database_not_found)`)
    expect(rest.join('\n')).toMatch(/CliError: no database file[\s\S]*\n\s+at /)
  })

  it('names the file when it is not a SQLite database', async () => {
    const db = tempDbPath()
    writeFileSync(db, 'this is not sqlite, just text that is long enough to have a header '.repeat(20))
    for (const args of [['status', '--db', db], ['dead', 'list', '--db', db, '--queue', 'q'], ['enqueue', '--db', db, '--queue', 'q']]) {
      const result = await runCli(args)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr).toMatch(new RegExp(`^honker: cannot (open|read) ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: file is not a database \\(sqlite_error\\)\\n$`))
    }
  })

  it('takes --db from HONKER_DB', async () => {
    const db = tempDbPath()
    const result = await runCli(['status'], { env: { HONKER_DB: db } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('(database_not_found)')
    expect(result.stderr).toContain(db)
  })
})
