import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { open } from '@honker/core'
import { binPath, onCleanup, sleep, tempDir, writeModule } from './helpers.ts'

// A real terminal session: util-linux `script` (Debian's essential bsdutils) runs the worker on a
// pseudo-terminal, so process.stdout.isTTY is true in it, and forwards what we write to its stdin
// as keystrokes (Ctrl-C becomes SIGINT from the terminal, as for a person).
if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) {
  throw new Error('the terminal test needs util-linux `script` (apt-get install bsdutils)')
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`

/** Every rendering of the status line, in order (each redraw starts with CR + clear-line). */
function renders(output: string): string[] {
  return output
    .split('\r\x1b[2K')
    .map((chunk) => chunk.split(/\r?\n/)[0]!)
    .filter((line) => /^emails\b.*processed \d+/.test(line))
}

describe('honker worker on a terminal', () => {
  it('keeps a live status line that updates in place, prints handler output above it, and stops on Ctrl-C', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'app.db')
    const db = open(file)
    const ids = db.queue('emails').enqueueMany([1, 2, 3, 4, 5, 6].map((n) => ({ n })))
    db.close()
    const handler = writeModule(dir, 'slow.mjs', `
      export const emails = async (job) => {
        console.log('handled job ' + job.id)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    `)
    // `exec`: script runs the command with $SHELL -c (or /bin/sh when SHELL is unset, as under CI).
    // A shell that stays as the worker's parent is in the terminal's foreground group too, so
    // Ctrl-C kills it and script reports 130 whatever the worker did.
    const command = `exec ${[process.execPath, binPath, 'worker', '--db', file, '--queue', 'emails', '--handler', handler]
      .map(quote)
      .join(' ')}`
    const session = spawn('script', ['-qefc', command, '/dev/null'], {
      env: { ...process.env, SHELL: '/bin/sh', COLUMNS: '160', LINES: '40', HONKER_DB: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    onCleanup(() => {
      if (session.exitCode === null) session.kill('SIGKILL')
    })
    let output = ''
    session.stdout.on('data', (chunk) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => session.on('close', (code) => resolve(code)))

    const deadline = Date.now() + 20_000
    while (!renders(output).some((line) => line.includes('processed 6')) && Date.now() < deadline) await sleep(50)
    await sleep(700) // one more redraw after the last job
    session.stdin.write('\x03')
    const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout')])
    session.stdin.end()
    expect(code, output).toBe(0)

    expect(output).toContain('honker worker: queue emails, concurrency 1')
    const lines = renders(output)
    const counts = lines.map((line) => Number(/processed (\d+)/.exec(line)![1]))
    // Drawn many times, counting up to every job, never backwards.
    expect(lines.length).toBeGreaterThan(5)
    expect(new Set(counts).size).toBeGreaterThanOrEqual(4)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(counts.at(-1)).toBe(6)
    expect(lines.at(-1)).toMatch(/^emails \(stopped\)\s+processed 6\s+failed 0\s+retried 0\s+running 0\/1\s+[\d.]+\/s\s+oldest pending -$/)
    // Early on, jobs were waiting: the line showed how long the oldest had been pending.
    expect(lines.some((line) => /oldest pending \d+s/.test(line))).toBe(true)
    // The handler's own output lands on lines of its own, never glued to the status line.
    for (const id of ids) expect(output).toMatch(new RegExp(`(^|\\n|\\x1b\\[2K)handled job ${id}\\r?\\n`))
    expect(output).toContain('SIGINT: finishing')

    const check = new Sqlite(file, { readonly: true })
    onCleanup(() => check.close())
    expect(check.prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(0)
  })
})
