import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { open, type Database } from '@honker/core'
import express from 'express'
import Fastify from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDashboard, toNodeListener, type Dashboard } from '../src/index.ts'
import { onCleanup, tempDir } from './helpers.ts'

// Mounted as docs/dashboard.md shows, under /admin/honker in Express and in Fastify, beside the
// app's own routes and body parsers: pages, assets, the event stream and an action all work.

const TOKEN = 'framework-token-123'
const BASE = '/admin/honker'
let db: Database

beforeAll(() => {
  db = open(path.join(tempDir(), 'app.db'))
  onCleanup(() => db.close())
})

function deadJob(queue: string): void {
  const q = db.queue(queue, { maxAttempts: 1 })
  q.enqueue({ queue })
  q.claimOne('w')!.fail(new Error('nope'))
}

async function exercise(root: string, queue: string): Promise<void> {
  const page = await fetch(`${root}${BASE}/`)
  expect(page.status).toBe(200)
  const html = await page.text()
  expect(html).toContain(`href="${BASE}/queue?name=${queue}"`)
  expect((await fetch(`${root}${BASE}/assets/app.js`)).status).toBe(200)
  const events = await fetch(`${root}${BASE}/events`)
  expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const reader = events.body!.getReader()
  expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: ready')
  await reader.cancel()
  const csrf = /data-csrf="([^"]+)"/.exec(html)![1]!
  const retried = await fetch(`${root}${BASE}/api/dead/retry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-honker-csrf': csrf, authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ queue, all: true }),
  })
  expect(retried.status).toBe(200)
  expect(((await retried.json()) as { message: string }).message).toBe(`retried 1 job of ${queue}`)
  expect(db.queue(queue).dead.count()).toBe(0)
  // The app's own routes are untouched.
  expect(await (await fetch(`${root}/api/hello`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ann"}' })).json()).toEqual({ hello: 'ann' })
}

describe('mounted in frameworks', () => {
  it('Express: app.use(basePath, toNodeListener(dashboard))', async () => {
    deadJob('express-jobs')
    const dashboard: Dashboard = createDashboard({ db, basePath: BASE, token: TOKEN })
    const app = express()
    app.use(BASE, toNodeListener(dashboard))
    app.use(express.json())
    app.post('/api/hello', (request, response) => void response.json({ hello: (request.body as { name: string }).name }))
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    onCleanup(() => {
      dashboard.close()
      server.closeAllConnections()
      server.close()
    })
    await exercise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'express-jobs')
  })

  it('Fastify: a plugin that hands the raw request to toNodeListener(dashboard)', async () => {
    deadJob('fastify-jobs')
    const dashboard = createDashboard({ db, basePath: BASE, token: TOKEN })
    const listener = toNodeListener(dashboard)
    const fastify = Fastify()
    await fastify.register(
      async (scope) => {
        // The dashboard reads its own bodies: leave them unparsed in this scope.
        scope.removeAllContentTypeParsers()
        scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
        scope.all('/*', (request, reply) => {
          reply.hijack()
          void listener(request.raw, reply.raw)
        })
        scope.all('/', (request, reply) => {
          reply.hijack()
          void listener(request.raw, reply.raw)
        })
      },
      { prefix: BASE },
    )
    fastify.post('/api/hello', async (request) => ({ hello: (request.body as { name: string }).name }))
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    onCleanup(async () => {
      dashboard.close()
      fastify.server.closeAllConnections()
      await fastify.close()
    })
    await exercise(`http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`, 'fastify-jobs')
  })
})
