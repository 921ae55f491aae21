// Headless Chromium for @honker/dashboard's browser tests, from Debian's `chromium` package
// (driven by playwright-core with its executablePath: no browser download). A fresh Debian or
// Ubuntu machine gets it from apt; `CHROMIUM_PATH` names another binary.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export function chromiumPath() {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim()
  }
  return null
}

export function ensureChromium() {
  const found = chromiumPath()
  if (found !== null) return found
  const root = process.getuid?.() === 0
  const run = (args) => execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  console.log("Chromium is missing: installing Debian's chromium with apt-get (the dashboard's browser tests drive it headless)")
  run(['apt-get', 'update'])
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'])
  const installed = chromiumPath()
  if (installed === null) throw new Error('apt-get installed chromium but no chromium binary is on PATH')
  return installed
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(ensureChromium())
