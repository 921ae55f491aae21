import { randomBytes } from 'node:crypto'
import { open, type PgDatabase } from '@honker/postgres'
import { postgresTestUrl } from '@honker/testkit/postgres-setup'
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDashboard } from '../src/index.ts'
import { countCell, newPage, onCleanup, runFixture, screenshot, serve } from './helpers.ts'

// The same views on PostgreSQL: a real server (the run's throwaway cluster), a schema of this
// file's own, commits from another process woken through LISTEN/NOTIFY.

const TOKEN = 'pg-token-0123456789'
const schema = `dash_${randomBytes(4).toString('hex')}`
let pool: pg.Pool
let db: PgDatabase

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 4 })
  db = await open({ postgres: pool, schema })
  onCleanup(async () => {
    db.close()
    await pool.end()
  })
  const emails = db.queue('emails')
  await emails.enqueueMany([{ to: 'a@example.com' }, { to: 'b@example.com' }])
  await emails.enqueue({ to: 'later@example.com' }, { delayS: 3600 })
  const failing = db.queue('payments', { maxAttempts: 1 })
  await failing.enqueue('<img src=x onerror=alert(1)>')
  const job = (await failing.claimOne('worker-1'))!
  await job.fail(new Error('<b>declined</b>'))
  const orders = db.stream('orders')
  for (let i = 0; i < 4; i++) await orders.publish({ order: i })
  await orders.saveOffset('billing', (await orders.readSince(0, 10))[0]!.offset)
  await db.scheduler().add({ name: 'hourly', queue: 'reports', schedule: '0 * * * *', payload: { kind: 'hourly' } })
})

describe('the dashboard in a real browser (PostgreSQL)', () => {
  it('loads and shows the counts', async () => {
    const { url } = await serve(createDashboard({ db, postgres: pool }))
    const { page, dialogs } = await newPage()
    await page.goto(url)
    await expect.poll(() => page.locator('#live').textContent()).toBe('live')
    expect(await countCell(page, 'emails', 'pending').textContent()).toBe('2')
    expect(await countCell(page, 'emails', 'delayed').textContent()).toBe('1')
    expect(await countCell(page, 'payments', 'dead').textContent()).toBe('1')
    expect(await page.locator('.engine').textContent()).toBe(`postgres schema ${schema}`)
    await screenshot(page, 'postgres-overview')
    await page.goto(`${url}/queue?name=payments&state=dead`)
    expect(await page.locator('main td.payload').textContent()).toContain('<img src=x onerror=alert(1)>')
    expect(await page.locator('main img').count()).toBe(0)
    await page.goto(`${url}/streams`)
    expect(await page.locator('tr[data-consumer="billing"] td[data-count="lag"]').textContent()).toBe('3')
    await page.goto(`${url}/schedules`)
    expect(await page.locator('tr[data-schedule="hourly"]').textContent()).toContain('0 * * * *')
    expect(dialogs).toEqual([])
  })

  it('changes the counts live when another process commits', async () => {
    const { url } = await serve(createDashboard({ db, postgres: pool }))
    const { page } = await newPage()
    await page.goto(url)
    await expect.poll(() => page.locator('#live').textContent()).toBe('live')
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7))
    const before = Number(await countCell(page, 'emails', 'pending').textContent())
    const { committedAt } = JSON.parse(await runFixture('postgres-commit.mjs', [postgresTestUrl(), schema, 'enqueue', 'emails', '{"to":"live@example.com"}', '3'])) as { committedAt: number }
    await expect.poll(() => countCell(page, 'emails', 'pending').textContent(), { timeout: 5000, interval: 20 }).toBe(String(before + 3))
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7)
    const updatedAt = Number(await page.evaluate(() => document.documentElement.dataset.updated))
    expect(updatedAt - committedAt).toBeLessThan(1000)
  })

  it('keeps the page live after the LISTEN connection drops', async () => {
    const { url } = await serve(createDashboard({ db, postgres: pool }))
    const { page } = await newPage()
    await page.goto(url)
    await expect.poll(() => page.locator('#live').textContent()).toBe('live')
    const listening = async () =>
      (await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN honker_%' AND pid <> pg_backend_pid()`)).rows
    await expect.poll(async () => (await listening()).length).toBeGreaterThan(0)
    for (const { pid } of await listening()) await pool.query('SELECT pg_terminate_backend($1)', [pid])
    // The dashboard listens again (after a second's backoff) and re-reads; a commit after that is pushed.
    await expect.poll(async () => (await listening()).length, { timeout: 10_000 }).toBeGreaterThan(0)
    const before = Number(await countCell(page, 'emails', 'pending').textContent())
    await runFixture('postgres-commit.mjs', [postgresTestUrl(), schema, 'enqueue', 'emails', '{"to":"again@example.com"}', '1'])
    await expect.poll(() => countCell(page, 'emails', 'pending').textContent(), { timeout: 5000, interval: 20 }).toBe(String(before + 1))
  })

  it('retries a dead job and pauses a queue through the UI, and refuses actions without authorization', async () => {
    const readOnly = await serve(createDashboard({ db, postgres: pool }))
    const csrf = /data-csrf="([^"]+)"/.exec(await (await fetch(readOnly.url)).text())![1]!
    const refused = await fetch(`${readOnly.url}/api/dead/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-honker-csrf': csrf },
      body: JSON.stringify({ queue: 'payments', all: true }),
    })
    expect(refused.status).toBe(403)
    expect(await db.queue('payments').dead.count()).toBe(1)

    const { url } = await serve(createDashboard({ db, postgres: pool, token: TOKEN }))
    const { page } = await newPage()
    await page.goto(`${url}/login?token=${TOKEN}`)
    await page.goto(`${url}/queue?name=payments&state=dead`)
    await page.locator('button', { hasText: 'Retry all dead jobs' }).click()
    await expect.poll(() => page.locator('#flash').textContent()).toBe('retried 1 job of payments')
    await expect.poll(() => page.locator('b[data-count="dead"]').textContent()).toBe('0')
    expect(await db.queue('payments').dead.count()).toBe(0)
    // Pause and resume a queue the same way.
    await page.goto(`${url}/queue?name=payments`)
    await page.locator('button', { hasText: 'Pause queue' }).click()
    await expect.poll(() => page.locator('h1 .badge').textContent()).toBe('paused')
    expect(await db.queue('payments').isPaused()).toBe(true)
    await page.locator('button', { hasText: 'Resume queue' }).click()
    await expect.poll(() => page.locator('h1 .badge').count()).toBe(0)
    expect(await db.queue('payments').isPaused()).toBe(false)
    // A worker claims it again (the full run, in another process, is the SQLite test's).
    const job = await db.queue('payments').claimOne('worker-2')
    expect(job?.payload).toBe('<img src=x onerror=alert(1)>')
  })
})
