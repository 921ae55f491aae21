// The other runtimes the driver suite runs on: Node 24 (node:sqlite without a warning) and Bun
// (bun:sqlite). Both come from the npm registry as ordinary packages, installed once into
// .runtimes/ at the repository root, so a fresh machine needs nothing but Node 20 and npm.
// `node scripts/runtimes.mjs` installs them and prints their paths as JSON.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = path.join(root, '.runtimes')
export const RUNTIME_PACKAGES = { node: 'node@24.21.0', bun: 'bun@1.4.5' }

function binaries() {
  return {
    node24: path.join(dir, 'node_modules', '.bin', 'node'),
    bun: path.join(dir, 'node_modules', '.bin', 'bun'),
  }
}

export function ensureRuntimes() {
  const bins = binaries()
  const versionFile = path.join(dir, 'installed.json')
  const wanted = JSON.stringify(RUNTIME_PACKAGES)
  const current = existsSync(versionFile) ? readFileSync(versionFile, 'utf8') : null
  if (current !== wanted || !existsSync(bins.node24) || !existsSync(bins.bun)) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'honker-runtimes', private: true }))
    // --ignore-scripts=false: both packages pick their platform binary in an install script.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts=false', ...Object.values(RUNTIME_PACKAGES)], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    writeFileSync(versionFile, wanted)
  }
  return bins
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(ensureRuntimes()))
