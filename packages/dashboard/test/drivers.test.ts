import { spawn } from 'node:child_process'
import path from 'node:path'
import { open } from '@honker/core'
import { describe, expect, it } from 'vitest'
// @ts-expect-error a plain .mjs script without declarations
import { ensureRuntimes } from '../../../scripts/runtimes.mjs'
import { createDashboard } from '../src/index.ts'
import { onCleanup, packageDir, serve, tempDir } from './helpers.ts'

// Every SQLite driver: the built dashboard served by Bun (bun:sqlite, Bun.serve) and Node 24
// (node:sqlite, node:http), libsql in this process; each shows the counts and pushes an event
// when another process (this one, on better-sqlite3) commits.

const runtimes = ensureRuntimes() as { node24: string; bun: string }

/** Reads an SSE stream until an event named `name` arrives after `action` ran. */
async function eventAfter(url: string, name: string, action: () => void): Promise<number> {
  const controller = new AbortController()
  const response = await fetch(`${url}/events`, { signal: controller.signal })
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let acted = 0
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) throw new Error('the event stream ended')
      buffer += decoder.decode(value, { stream: true })
      if (acted === 0 && buffer.includes('event: ready')) {
        acted = Date.now()
        action()
      }
      if (acted !== 0 && buffer.includes(`event: ${name}`)) return Date.now() - acted
    }
  } finally {
    controller.abort()
  }
}

function startServer(runtime: string, file: string, driver: string): Promise<string> {
  const child = spawn(runtime, [path.join(packageDir, 'test', 'fixtures', 'serve-dashboard.mjs'), file, driver], { cwd: packageDir, stdio: ['pipe', 'pipe', 'pipe'] })
  onCleanup(() => new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.stdin.end()
    setTimeout(() => child.kill(), 3000).unref()
  }))
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))
    child.once('exit', (code) => reject(new Error(`the ${driver} server exited with ${code}: ${stderr}`)))
  })
}

function seeded(): string {
  const file = path.join(tempDir(), 'app.db')
  const db = open(file)
  db.queue('emails').enqueueMany([{ n: 1 }, { n: 2 }])
  db.close()
  return file
}

async function checkServed(url: string, file: string): Promise<void> {
  const overview = await (await fetch(`${url}/`)).text()
  expect(overview).toMatch(/<tr data-queue="emails">[\s\S]*?data-count="pending">2</)
  expect(overview).toContain('href="/honker/queue?name=emails"')
  const waited = await eventAfter(url, 'change', () => {
    const writer = open(file)
    writer.queue('emails').enqueue({ n: 3 })
    writer.close()
  })
  expect(waited).toBeLessThan(1000)
  expect(await (await fetch(`${url}/`)).text()).toMatch(/data-count="pending">3</)
}

describe('every SQLite driver', () => {
  it('bun:sqlite under Bun.serve', async () => {
    const file = seeded()
    await checkServed(await startServer(runtimes.bun, file, 'bun:sqlite'), file)
  })

  it('node:sqlite under Node 24 node:http', async () => {
    const file = seeded()
    await checkServed(await startServer(runtimes.node24, file, 'node:sqlite'), file)
  })

  it('libsql in this process', async () => {
    const file = seeded()
    const db = open(file, { driver: 'libsql' })
    onCleanup(() => db.close())
    const { url } = await serve(createDashboard({ db, basePath: '/honker' }))
    await checkServed(`${url}/honker`, file)
  })

  it('better-sqlite3 in this process', async () => {
    const file = seeded()
    const db = open(file, { driver: 'better-sqlite3' })
    onCleanup(() => db.close())
    const { url } = await serve(createDashboard({ db, basePath: '/honker' }))
    await checkServed(`${url}/honker`, file)
  })
})
