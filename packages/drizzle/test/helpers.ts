import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'

const cleanups: (() => void)[] = []

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!()
})

/** Run `fn` after the current test; later registrations run first. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn)
}

/** A fresh temp directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-drizzle-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
