import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll } from 'vitest'
// @ts-expect-error a plain .mjs script without declarations
import { ensureChromium } from '../../../scripts/chromium.mjs'
import { toNodeListener, type Dashboard } from '../src/index.ts'

export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const repoDir = path.resolve(packageDir, '../..')
export const screenshotDir = path.join(repoDir, 'docs', 'dashboard')

const cleanups: (() => unknown)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups.length = 0
})
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn)
}

export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'honker-dashboard-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The dashboard served by node:http on 127.0.0.1 and a free port; closed after the file's tests. */
export async function serve(handler: Dashboard | ((request: Request) => Promise<Response>)): Promise<{ url: string; server: Server }> {
  const server = createServer(toNodeListener(handler))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        if ('close' in handler && typeof handler.close === 'function') handler.close()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { url, server }
}

let browser: Browser | null = null

/** Headless Chromium from the system (Debian's `chromium`), launched once per test file. */
export async function launchBrowser(): Promise<Browser> {
  if (browser === null) {
    const executablePath = ensureChromium() as string
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
    onCleanup(async () => {
      await browser?.close()
      browser = null
    })
  }
  return browser
}

/** A fresh page that fails the test on any dialog (an `alert` would mean injected script ran). */
export async function newPage(): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const context = await (await launchBrowser()).newContext({ viewport: { width: 1200, height: 720 } })
  onCleanup(() => context.close())
  const page = await context.newPage()
  const dialogs: string[] = []
  const errors: string[] = []
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    // "Retry all?" confirms are the UI's own; alerts are not.
    void (dialog.type() === 'confirm' ? dialog.accept() : dialog.dismiss())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return { page, dialogs, errors }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: false })
}

/**
 * Runs a fixture script in a child process (real commits from another process): node
 * test/fixtures/<script> args…, resolving with its stdout once it exits 0.
 */
export function runFixture(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; runtime?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.runtime ?? process.execPath, [path.join(packageDir, 'test', 'fixtures', script), ...args], {
      cwd: packageDir,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited with ${code}: ${stderr}`))))
  })
}

/** The text of a queue's count cell on the overview. */
export function countCell(page: Page, queue: string, state: string) {
  return page.locator(`tr[data-queue="${queue.replace(/["\\]/g, '\\$&')}"] td[data-count="${state}"]`)
}
