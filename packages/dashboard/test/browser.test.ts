import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { open, type Database } from '@honker/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDashboard } from '../src/index.ts'
import { countCell, newPage, onCleanup, runFixture, screenshot, serve, tempDir } from './helpers.ts'

// The dashboard in headless Chromium on a real SQLite file: counts, live updates from commits in
// other processes, actions through the UI, escaping, and the refusals.

const XSS = '<img src=x onerror=alert(1)>'
const XSS_QUEUE = `<b onmouseover=alert(3)>"q'&`
const TOKEN = 'test-token-0123456789'

let file: string
let db: Database

function deadCount(queue: string): number {
  return db.queue(queue).dead.count()
}

beforeAll(() => {
  file = path.join(tempDir(), 'app.db')
  db = open(file)
  onCleanup(() => db.close())
  const emails = db.queue('emails')
  emails.enqueueMany([{ to: 'a@example.com' }, { to: 'b@example.com' }, { to: 'c@example.com' }])
  emails.enqueue({ to: 'later@example.com' }, { delayS: 3600 })
  // A dead job whose payload and error are markup (claimed first: the highest priority).
  emails.enqueue(XSS, { priority: 10, maxAttempts: 1 })
  const marked = emails.claimOne('worker-0')!
  expect(marked.payload).toBe(XSS)
  marked.fail(new Error('<script>alert(2)</script> failed'))
  // A queue whose name is markup, and a dead job to retry through the UI.
  db.queue(XSS_QUEUE).enqueue({ ok: true })
  const payments = db.queue('payments', { maxAttempts: 1 })
  payments.enqueue({ order: 7 })
  const job = payments.claimOne('worker-1')!
  job.fail(new Error('card declined'))
  // A busy queue that keeps history, for the throughput column: jobs finished over the last minutes.
  const invoices = db.queue('invoices')
  invoices.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ invoice: i })))
  invoices.claimBatch('billing-worker-1', 2)
  const sql = db.executor.connection
  sql.prepare(`INSERT INTO _honker_queues (queue, keep_completed_count) VALUES ('invoices', 10000)`).run()
  const perMinute = [4, 7, 5, 9, 12, 8, 15, 11, 14, 10]
  let historyId = 7_000_000
  perMinute.forEach((count, minute) => {
    for (let i = 0; i < count; i++) {
      const age = (9 - minute) * 60 + 5 + i
      sql.prepare(`INSERT INTO _honker_history (id, queue, payload, state, created_at, finished_at) VALUES (?, 'invoices', '{}', 'completed', unixepoch() - ? - 2, unixepoch() - ?)`).run([historyId++, age, age])
    }
  })
  // Streams, channels, schedules, locks and rate limits for their pages.
  const orders = db.stream('orders')
  for (let i = 0; i < 5; i++) orders.publish({ order: i })
  orders.saveOffset('billing', 2)
  db.notify('order-events', { order: 1 })
  // A topic, consumer, channel and lock whose names are markup.
  const markedTopic = db.stream(`<img src=x onerror=alert(4)>`)
  markedTopic.publish({})
  markedTopic.saveOffset(`<svg onload=alert(5)>`, 0)
  db.notify(`<img src=y onerror=alert(6)>`, {})
  db.lock(`<iframe src=javascript:alert(7)>`, { ttlS: 60, owner: '<b>me</b>' }).acquire()
  db.scheduler().add({ name: 'nightly-report', queue: 'reports', schedule: '0 3 * * *', payload: { kind: 'nightly' } })
  db.lock('migrations', { ttlS: 300, owner: 'deploy-42' }).acquire()
  db.rateLimit('partner-api', { limit: 100, perS: 60 }).try()
})

describe('the dashboard in a real browser (SQLite)', () => {
  it('loads and shows every queue with its counts', async () => {
    const { url } = await serve(createDashboard({ db, title: 'app.db' }))
    const { page, dialogs, errors } = await newPage()
    await page.goto(url)
    await expect.poll(() => page.locator('#live').textContent()).toBe('live')
    expect(await countCell(page, 'emails', 'pending').textContent()).toBe('3')
    expect(await countCell(page, 'emails', 'delayed').textContent()).toBe('1')
    expect(await countCell(page, 'emails', 'dead').textContent()).toBe('1')
    expect(await countCell(page, 'payments', 'dead').textContent()).toBe('1')
    expect(await countCell(page, 'invoices', 'processing').textContent()).toBe('2')
    expect(await page.locator('tr[data-queue="invoices"] rect').count()).toBe(10)
    expect(await page.locator('.mode').textContent()).toBe('read-only')
    await screenshot(page, 'overview')
    for (const [path, name] of [['/streams', 'streams'], ['/schedules', 'schedules'], ['/locks', 'locks'], ['/channels', 'channels']] as const) {
      await page.goto(url + path)
      await expect.poll(() => page.locator('#live').textContent()).toBe('live')
      if (name === 'streams') expect(await page.locator('tr[data-consumer="billing"] td[data-count="lag"]').textContent()).toBe('3')
      if (name === 'schedules') expect(await page.locator('tr[data-schedule="nightly-report"]').textContent()).toContain('0 3 * * *')
      if (name === 'locks') expect(await page.locator('tr[data-lock="migrations"]').textContent()).toContain('deploy-42')
      if (name === 'channels') expect(await page.locator('tr[data-channel="order-events"]').count()).toBe(1)
      await screenshot(page, name)
    }
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
  })

  it('changes the counts live when another process commits, without reloading', async () => {
    const { url } = await serve(createDashboard({ db, title: 'app.db' }))
    const { page } = await newPage()
    await page.goto(url)
    await expect.poll(() => page.locator('#live').textContent()).toBe('live')
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42))
    const before = Number(await countCell(page, 'emails', 'pending').textContent())
    const { committedAt } = JSON.parse(await runFixture('sqlite-commit.mjs', [file, 'enqueue', 'emails', '{"to":"live@example.com"}', '2'])) as { committedAt: number }
    await expect.poll(() => countCell(page, 'emails', 'pending').textContent(), { timeout: 5000, interval: 20 }).toBe(String(before + 2))
    // The same document: updated by the pushed event, not by a reload, within a second of the commit.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42)
    const updatedAt = Number(await page.evaluate(() => document.documentElement.dataset.updated))
    expect(updatedAt - committedAt).toBeLessThan(1000)
  })

  it('renders markup in payloads, errors and names as text, running none of it', async () => {
    const { url } = await serve(createDashboard({ db, title: 'app.db' }))
    const { page, dialogs, errors } = await newPage()
    await page.goto(url)
    expect(await page.locator('main').textContent()).toContain(XSS_QUEUE)
    await page.goto(`${url}/queue?name=emails&state=dead`)
    expect(await page.locator('main td.payload').first().textContent()).toContain(JSON.stringify(XSS))
    expect(await page.locator('main td.error').first().textContent()).toContain('<script>alert(2)</script>')
    const id = await page.locator('main tr[data-job]').first().getAttribute('data-job')
    await page.goto(`${url}/job?queue=emails&id=${id}`)
    expect(await page.locator('main pre.json').textContent()).toContain(XSS)
    expect(await page.locator('main pre.error').textContent()).toContain('<script>alert(2)</script>')
    await screenshot(page, 'job')
    await page.goto(`${url}/queue?name=${encodeURIComponent(XSS_QUEUE)}`)
    expect(await page.locator('h1 .name').textContent()).toBe(XSS_QUEUE)
    await page.locator('main').hover()
    expect(await page.locator('main img, main script, main b[onmouseover]').count()).toBe(0)
    for (const [path, text] of [
      ['/streams', '<img src=x onerror=alert(4)>'],
      ['/streams', '<svg onload=alert(5)>'],
      ['/channels', '<img src=y onerror=alert(6)>'],
      ['/locks', '<iframe src=javascript:alert(7)>'],
      ['/locks', '<b>me</b>'],
    ] as const) {
      await page.goto(url + path)
      expect(await page.locator('main').textContent(), path).toContain(text)
      expect(await page.locator('main img, main svg:not(.spark), main iframe, main b').count(), path).toBe(0)
    }
    expect(await page.locator('header ~ * img, h1 b').count()).toBe(0)
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
  })

  it('refuses an action without authorization and changes nothing', async () => {
    const { url } = await serve(createDashboard({ db, title: 'app.db' }))
    const { page } = await newPage()
    await page.goto(`${url}/queue?name=payments&state=dead`)
    expect(await page.locator('button[data-action]').count()).toBe(0)
    const response = await page.evaluate(async () => {
      const csrf = document.documentElement.dataset.csrf!
      const r = await fetch('/api/dead/retry', { method: 'POST', headers: { 'content-type': 'application/json', 'x-honker-csrf': csrf }, body: JSON.stringify({ queue: 'payments', all: true }) })
      return { status: r.status, body: (await r.json()) as { message: string } }
    })
    expect(response.status).toBe(403)
    expect(response.body.message).toMatch(/read-only/)
    expect(deadCount('payments')).toBe(1)

    // With a token, a browser that has not logged in with it is refused too.
    const guarded = await serve(createDashboard({ db, token: TOKEN, title: 'app.db' }))
    const other = await newPage()
    await other.page.goto(`${guarded.url}/queue?name=payments&state=dead`)
    const refused = await other.page.evaluate(async () => {
      const csrf = document.documentElement.dataset.csrf!
      const r = await fetch('/api/dead/retry', { method: 'POST', headers: { 'content-type': 'application/json', 'x-honker-csrf': csrf }, body: JSON.stringify({ queue: 'payments', all: true }) })
      return r.status
    })
    expect(refused).toBe(403)
    expect(deadCount('payments')).toBe(1)
  })

  it('refuses cross-site POSTs, even from a browser holding the token', async () => {
    const guarded = await serve(createDashboard({ db, token: TOKEN, title: 'app.db' }))
    const { page } = await newPage()
    await page.goto(`${guarded.url}/login?token=${TOKEN}`)
    expect(await page.locator('.mode').textContent()).toBe('actions enabled')
    // Another site (another origin: localhost vs 127.0.0.1, another port) tries a form post and a fetch.
    const port = new URL(guarded.url).port
    const target = `http://127.0.0.1:${port}/api/dead/retry`
    const evil = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html')
      response.end(`<!doctype html><form id="f" method="POST" action="${target}" enctype="text/plain"><input name='{"queue":"payments","all":true,"x":"' value='"}'></form>
        <script>
          fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"queue":"payments","all":true}' })
            .finally(() => document.getElementById('f').submit())
        </script>`)
    })
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
    onCleanup(() => new Promise<void>((resolve) => evil.close(() => resolve())))
    const statuses: number[] = []
    page.on('response', (response) => {
      if (response.url() === target) statuses.push(response.status())
    })
    await page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`)
    await expect.poll(() => statuses.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1)
    await page.waitForLoadState('load')
    expect(statuses.every((status) => status === 403)).toBe(true)
    expect(deadCount('payments')).toBe(1)

    // Outside a browser: a right token and CSRF header but a foreign Origin is still refused.
    const home = await fetch(guarded.url)
    const csrf = /data-csrf="([^"]+)"/.exec(await home.text())![1]!
    const forged = await fetch(`${guarded.url}/api/dead/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-honker-csrf': csrf, origin: 'https://evil.example' },
      body: JSON.stringify({ queue: 'payments', all: true }),
    })
    expect(forged.status).toBe(403)
    expect(((await forged.json()) as { error: string }).error).toBe('cross_site')
    expect(deadCount('payments')).toBe(1)
  })

  it('retries a dead job through the UI, and a worker in another process runs it', async () => {
    const guarded = await serve(createDashboard({ db, token: TOKEN, title: 'app.db' }))
    const { page } = await newPage()
    await page.goto(`${guarded.url}/login?token=${TOKEN}`)
    await page.goto(`${guarded.url}/queue?name=payments&state=dead`)
    await expect.poll(() => page.locator('#live').textContent()).toBe('live')
    expect(await page.locator('main td.error').textContent()).toContain('card declined')
    await screenshot(page, 'dead-letters')
    await page.locator('tr[data-job] button', { hasText: 'Retry' }).click()
    await expect.poll(() => page.locator('#flash').textContent()).toBe('retried 1 job of payments')
    await expect.poll(() => page.locator('b[data-count="dead"]').textContent()).toBe('0')
    expect(deadCount('payments')).toBe(0)
    await expect.poll(() => page.locator('b[data-count="pending"]').textContent()).toBe('1')
    const ran = JSON.parse(await runFixture('sqlite-commit.mjs', [file, 'work-one', 'payments'])) as { payload: unknown }
    expect(ran.payload).toEqual({ order: 7 })
    // The worker's ack in the other process empties the queue on the open page, live.
    await expect.poll(() => page.locator('b[data-count="pending"]').textContent(), { timeout: 3000 }).toBe('0')
  })

  it('deletes one dead job, then all of them, through the UI', async () => {
    const trash = db.queue('trash', { maxAttempts: 1 })
    trash.enqueueMany([{ n: 1 }, { n: 2 }, { n: 3 }])
    for (let i = 0; i < 3; i++) trash.claimOne('w')!.fail(new Error(`failure ${i}`))
    const guarded = await serve(createDashboard({ db, token: TOKEN, title: 'app.db' }))
    const { page, dialogs } = await newPage()
    const wrong = await page.goto(`${guarded.url}/login?token=not-the-token`)
    expect(wrong?.status()).toBe(403)
    await page.goto(`${guarded.url}/login?token=${TOKEN}`)
    await page.goto(`${guarded.url}/queue?name=trash&state=dead`)
    await page.locator('tr[data-job] button', { hasText: 'Delete' }).first().click()
    await expect.poll(() => page.locator('#flash').textContent()).toBe('deleted 1 dead job of trash')
    await expect.poll(() => page.locator('b[data-count="dead"]').textContent()).toBe('2')
    await page.locator('button', { hasText: 'Delete all dead jobs' }).click()
    await expect.poll(() => page.locator('#flash').textContent()).toBe('deleted 2 dead jobs of trash')
    expect(dialogs).toEqual(['confirm: Delete every dead job of trash? This cannot be undone.'])
    expect(deadCount('trash')).toBe(0)
    expect(db.queue('trash').counts()).toMatchObject({ pending: 0, processing: 0, dead: 0 })
  })

  it('pauses and resumes a queue through the UI', async () => {
    db.queue('pausable').enqueue({ n: 1 })
    const guarded = await serve(createDashboard({ db, token: TOKEN, title: 'app.db' }))
    const { page, dialogs } = await newPage()
    await page.goto(`${guarded.url}/login?token=${TOKEN}`)
    await page.goto(`${guarded.url}/queue?name=pausable`)
    await page.locator('button', { hasText: 'Pause queue' }).click()
    await expect.poll(() => page.locator('#flash').textContent()).toBe('paused pausable: no claims in any process until it is resumed')
    await expect.poll(() => page.locator('h1 .badge').textContent()).toBe('paused')
    expect(db.queue('pausable').isPaused()).toBe(true)
    expect(db.queue('pausable').claimOne('w')).toBeNull()
    await page.locator('button', { hasText: 'Resume queue' }).click()
    await expect.poll(() => page.locator('h1 .badge').count()).toBe(0)
    expect(db.queue('pausable').isPaused()).toBe(false)
    expect(dialogs).toEqual(['confirm: Pause pausable? No process claims its jobs until it is resumed.'])
  })

  it('pauses, resumes and runs a schedule now through the UI', async () => {
    const guarded = await serve(createDashboard({ db, token: TOKEN, title: 'app.db' }))
    const { page } = await newPage()
    await page.goto(`${guarded.url}/login?token=${TOKEN}`)
    await page.goto(`${guarded.url}/schedules`)
    const row = page.locator('tr[data-schedule="nightly-report"]')
    await row.locator('button', { hasText: 'Pause' }).click()
    await expect.poll(() => row.textContent()).toContain('paused')
    expect(db.scheduler().get('nightly-report')?.enabled).toBe(false)
    await row.locator('button', { hasText: 'Resume' }).click()
    await expect.poll(() => row.textContent()).toContain('active')
    await row.locator('button', { hasText: 'Run now' }).click()
    await expect.poll(() => page.locator('#flash').textContent()).toMatch(/^enqueued job \d+ from nightly-report$/)
    expect(db.queue('reports').listJobs().map((job) => JSON.parse(job.payloadText))).toEqual([{ kind: 'nightly' }])
  })
})
