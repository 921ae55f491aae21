import { open } from '@honker/core'
import { describe, expect, it } from 'vitest'
// @ts-expect-error a plain .mjs script without declarations
import { ensureRuntimes } from '../../../scripts/runtimes.mjs'
import { runCli, startCli, tempDbPath } from './helpers.ts'

// `honker dashboard`: the real command in a child process, serving @honker/dashboard on node:http.

function seeded(): string {
  const file = tempDbPath()
  const db = open(file)
  db.queue('emails').enqueueMany([{ to: 'a@example.com' }, { to: 'b@example.com' }])
  const failing = db.queue('payments', { maxAttempts: 1 })
  failing.enqueue({ order: 1 })
  failing.claimOne('w')!.fail(new Error('declined'))
  db.close()
  return file
}

async function started(cli: ReturnType<typeof startCli>): Promise<string> {
  await cli.waitForStderr('honker dashboard: serving')
  return /at (http:\/\/\S+\/) /.exec(cli.stderr())![1]!
}

describe('honker dashboard', () => {
  it('serves the pages read-only on 127.0.0.1 and stops on SIGTERM', async () => {
    const file = seeded()
    const cli = startCli(['dashboard', '--db', file, '--port', '0'])
    const url = await started(cli)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(cli.stderr()).toContain('read-only')
    const page = await fetch(url)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toMatch(/<tr data-queue="emails">[\s\S]*?data-count="pending">2</)
    expect(html).toMatch(/<tr data-queue="payments">[\s\S]*?data-count="dead"><a [^>]*>1</)
    const csrf = /data-csrf="([^"]+)"/.exec(html)![1]!
    const refused = await fetch(`${url}api/dead/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-honker-csrf': csrf },
      body: JSON.stringify({ queue: 'payments', all: true }),
    })
    expect(refused.status).toBe(403)
    cli.process.kill('SIGTERM')
    expect((await cli.exited).code).toBe(0)
    const db = open(file)
    expect(db.queue('payments').dead.count()).toBe(1)
    db.close()
  })

  it('allows actions with --token (from HONKER_DASHBOARD_TOKEN too)', async () => {
    const file = seeded()
    const cli = startCli(['dashboard', '--db', file, '--port', '0'], { env: { HONKER_DASHBOARD_TOKEN: 'cli-token-123456' } })
    const url = await started(cli)
    expect(cli.stderr()).toContain('login?token=')
    const csrf = /data-csrf="([^"]+)"/.exec(await (await fetch(url)).text())![1]!
    const retried = await fetch(`${url}api/dead/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-honker-csrf': csrf, authorization: 'Bearer cli-token-123456' },
      body: JSON.stringify({ queue: 'payments', all: true }),
    })
    expect(retried.status).toBe(200)
    expect(((await retried.json()) as { message: string }).message).toBe('retried 1 job of payments')
    cli.process.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
    const db = open(file)
    expect(db.queue('payments').counts()).toMatchObject({ pending: 1, dead: 0 })
    db.close()
  })

  it('refuses a file without honker tables, a short token and a bad port', async () => {
    const missing = await runCli(['dashboard', '--db', tempDbPath('none.db')])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(/no database file/)
    const file = seeded()
    const short = await runCli(['dashboard', '--db', file, '--token', 'short', '--port', '0'])
    expect(short.code).toBe(2)
    expect(short.stderr).toMatch(/--token: use at least 8 characters/)
    const port = await runCli(['dashboard', '--db', file, '--port', '70000'])
    expect(port.code).toBe(2)
  })

  const runtimes = ensureRuntimes() as { node24: string; bun: string }
  for (const [label, runtime] of [['Bun (bun:sqlite)', runtimes.bun], ['Node 24 (node:sqlite)', runtimes.node24]] as const) {
    it(`serves under ${label}`, async () => {
      const file = seeded()
      const cli = startCli(['dashboard', '--db', file, '--port', '0'], { runtime, env: label.startsWith('Node') ? { HONKER_DRIVER: 'node:sqlite' } : {} })
      const url = await started(cli)
      expect(await (await fetch(url)).text()).toMatch(/<tr data-queue="emails">[\s\S]*?data-count="pending">2</)
      cli.process.kill('SIGTERM')
      expect((await cli.exited).code).toBe(0)
    })
  }
})
