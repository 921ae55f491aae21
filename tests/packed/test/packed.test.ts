// The published packages as an app gets them: every publishable package is built, packed with
// `pnpm pack`, and installed with plain `npm install` into a project outside the workspace, whose
// TypeScript files import each package's public API and compile under the settings most apps use
// (strict, NodeNext, skipLibCheck: false, so every shipped .d.ts is checked). Catches what the
// workspace cannot see: declarations that import names the build stripped, files missing from a
// tarball, source maps pointing at sources that are not shipped.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..', '..')
const consumerSources = path.resolve(here, '..', 'consumer')

// The consumer app is compiled with the workspace's TypeScript and with this older one, which
// apps still pin (from npm, installed in the consumer project under an alias).
const OLDEST_TYPESCRIPT = '5.4.5'

interface Package {
  name: string
  dir: string
  tarball?: string
  files?: Map<string, Buffer>
}

interface Run {
  status: number | null
  output: string
}

/** The workspace's publishable packages: packages/* without "private": true. */
function publishablePackages(): Package[] {
  const packages: Package[] = []
  for (const entry of readdirSync(path.join(root, 'packages')).sort()) {
    const dir = path.join(root, 'packages', entry)
    let manifest: { name: string; private?: boolean }
    try {
      manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
    } catch {
      continue
    }
    if (manifest.private !== true) packages.push({ name: manifest.name, dir })
  }
  return packages
}

/** The version installed in the workspace, so the consumer gets what the packages were built against. */
function workspaceVersion(from: string, dependency: string): string {
  const file = path.join(root, from, 'node_modules', dependency, 'package.json')
  return (JSON.parse(readFileSync(realpathSync(file), 'utf8')) as { version: string }).version
}

/** pnpm as the workspace pins it: the one running this test if any, else through npx. */
function pnpmCommand(): string[] {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && /pnpm/.test(path.basename(execPath))) return [process.execPath, execPath]
  const manager = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { packageManager: string }).packageManager
  return ['npx', '--yes', manager]
}

/** The environment for npm in the consumer project: none of the workspace's pnpm/npm script settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(config|package|lifecycle)_/i.test(key) && !/^npm_config_(cache|registry|userconfig)$/i.test(key)) continue
    if (/^(pnpm_|turbo_)/i.test(key)) continue
    env[key] = value
  }
  return env
}

function runAsync(command: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command as [string, ...string[]]
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, output }))
  })
}

async function mustRun(command: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await runAsync(command, cwd, env)
  if (result.status !== 0) throw new Error(`'${command.join(' ')}' in ${cwd} exited with ${result.status}:\n${result.output}`)
  return result.output
}

/** The files of a .tgz made by `pnpm pack`, by path inside the package ("package/" removed). */
function readTarball(file: string): Map<string, Buffer> {
  const data = gunzipSync(readFileSync(file))
  const files = new Map<string, Buffer>()
  let offset = 0
  let longName: string | undefined
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512)
    if (header.every((byte) => byte === 0)) break
    const field = (start: number, length: number) => header.toString('utf8', start, start + length).replace(/\0.*$/s, '')
    const size = Number.parseInt(field(124, 12).trim() || '0', 8)
    const type = field(156, 1)
    const prefix = field(345, 155)
    const body = data.subarray(offset + 512, offset + 512 + size)
    offset += 512 + Math.ceil(size / 512) * 512
    if (type === 'x') {
      // A pax header: a long path for the next entry.
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1] ?? longName
      continue
    }
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    longName = undefined
    if (type === '0' || type === '') files.set(name.replace(/^[^/]*\//, ''), Buffer.from(body))
  }
  return files
}

/** One tsc run over the consumer app: its exit status and its diagnostics, one string each. */
interface Check {
  status: number | null
  diagnostics: string[]
}

/** tsc's plain (--pretty false) output as diagnostics: a line starting a file position opens one. */
function parseDiagnostics(output: string): string[] {
  const diagnostics: string[] = []
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue
    if (/^\s/.test(line) && diagnostics.length > 0) diagnostics[diagnostics.length - 1] += `\n${line}`
    else diagnostics.push(line)
  }
  return diagnostics
}

// drizzle-orm's own declarations do not compile with skipLibCheck: false (column-builder.d.ts
// imports every dialect, whose files import optional peers such as mysql2 and gel, and some of
// them trip newer and older tsc alike). So the Drizzle file is compiled as a project of its own,
// and only the diagnostics inside drizzle-orm's files are excused there.
const UPSTREAM_DIAGNOSTICS = /^node_modules\/drizzle-orm\//
// Hono's declarations use TypeScript 5.7's generic `Uint8Array`, so on the oldest tsc they fail by
// themselves. @honker/dashboard's public declarations do not import them (an app on TypeScript 5.4
// compiles); they are here only because this check includes every internal .d.ts of every package.
const HONO_DIAGNOSTICS = /^node_modules\/hono\//
const PROJECTS = [
  { project: 'tsconfig.json', excused: HONO_DIAGNOSTICS },
  { project: 'tsconfig.drizzle.json', excused: UPSTREAM_DIAGNOSTICS },
] as const

const packages = publishablePackages()
let work: string
let consumer: string
// tsc entry points: the workspace's own, and the older one installed in the consumer app.
const TYPESCRIPTS = [
  { version: workspaceVersion('.', 'typescript'), tsc: () => path.join(root, 'node_modules', 'typescript', 'bin', 'tsc') },
  { version: OLDEST_TYPESCRIPT, tsc: () => path.join(consumer, 'node_modules', 'typescript-oldest', 'bin', 'tsc') },
]
const CHECKS = TYPESCRIPTS.flatMap((typescript) => PROJECTS.map((project) => ({ ...typescript, ...project })))
// Started together once the app is installed (they take seconds each); each test awaits its own.
const checks = new Map<string, Promise<Check>>()

beforeAll(async () => {
  // A fresh build of every publishable package (turbo: a cache hit when nothing changed).
  const pnpm = pnpmCommand()
  await mustRun([...pnpm, 'exec', 'turbo', 'run', 'build', ...packages.map((pkg) => `--filter=${pkg.name}`)], root)

  work = mkdtempSync(path.join(os.tmpdir(), 'honker-packed-'))
  const tarballs = path.join(work, 'tarballs')
  mkdirSync(tarballs)
  await Promise.all(
    packages.map(async (pkg) => {
      const destination = path.join(tarballs, path.basename(pkg.dir))
      mkdirSync(destination)
      await mustRun([...pnpm, 'pack', '--pack-destination', destination], pkg.dir)
      const [tarball] = readdirSync(destination).filter((file) => file.endsWith('.tgz'))
      if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${pkg.name}`)
      pkg.tarball = path.join(destination, tarball)
      pkg.files = readTarball(pkg.tarball)
    }),
  )

  // The consumer: an ordinary ESM app outside the workspace, installed with plain npm. Peers and
  // type packages are pinned to the versions the workspace builds and tests against.
  consumer = path.join(work, 'app')
  mkdirSync(path.join(consumer, 'src'), { recursive: true })
  const dependencies: Record<string, string> = Object.fromEntries(packages.map((pkg) => [pkg.name, `file:${pkg.tarball}`]))
  Object.assign(dependencies, {
    'better-sqlite3': workspaceVersion('packages/core', 'better-sqlite3'),
    'drizzle-orm': workspaceVersion('packages/drizzle', 'drizzle-orm'),
    kysely: workspaceVersion('packages/kysely', 'kysely'),
    '@prisma/client': workspaceVersion('packages/prisma', '@prisma/client'),
    '@prisma/adapter-better-sqlite3': workspaceVersion('packages/prisma', '@prisma/adapter-better-sqlite3'),
    '@opentelemetry/api': workspaceVersion('packages/otel', '@opentelemetry/api'),
  })
  const devDependencies = {
    '@types/node': workspaceVersion('.', '@types/node'),
    '@types/better-sqlite3': workspaceVersion('packages/core', '@types/better-sqlite3'),
    'typescript-oldest': `npm:typescript@${OLDEST_TYPESCRIPT}`,
  }
  const json = (file: string, value: unknown) => writeFileSync(path.join(consumer, file), `${JSON.stringify(value, null, 2)}\n`)
  json('package.json', { name: 'honker-packed-consumer', private: true, type: 'module', dependencies, devDependencies })
  // What most apps have (tsc --init's module settings, strict), and no skipping of .d.ts files.
  const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true }
  // Every .d.ts a package ships, also those its entry points do not reach.
  const declarations = (names: string[]) => names.map((name) => `node_modules/${name}/**/*.d.ts`)
  const others = packages.map((pkg) => pkg.name).filter((name) => name !== '@honker/drizzle')
  json('tsconfig.json', { compilerOptions, include: ['src', ...declarations(others)], exclude: ['src/drizzle.ts'] })
  json('tsconfig.drizzle.json', { compilerOptions, files: ['src/drizzle.ts'], include: declarations(['@honker/drizzle']) })
  cpSync(consumerSources, path.join(consumer, 'src'), { recursive: true })
  // --ignore-scripts: no native builds (better-sqlite3, the SQL functions extension); types only.
  await mustRun(['npm', 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], consumer, cleanEnv())

  // At most one tsc per core at a time: each takes seconds and hundreds of MB.
  let slots = Math.max(1, os.availableParallelism())
  const waiting: (() => void)[] = []
  const slot = () => (slots > 0 ? (slots--, Promise.resolve()) : new Promise<void>((resolve) => waiting.push(resolve)))
  const free = () => (waiting.length > 0 ? waiting.shift()!() : slots++)
  for (const check of CHECKS) {
    const result = slot().then(async () => {
      try {
        const { status, output } = await runAsync([process.execPath, check.tsc(), '-p', check.project, '--pretty', 'false'], consumer)
        return { status, diagnostics: parseDiagnostics(output) }
      } finally {
        free()
      }
    })
    result.catch(() => {}) // awaited by its test
    checks.set(`${check.version} ${check.project}`, result)
  }
}, 300_000)

afterAll(async () => {
  await Promise.allSettled(checks.values())
  // HONKER_KEEP_PACKED=1 keeps the tarballs and the app (in os.tmpdir()/honker-packed-*) to look at.
  if (work !== undefined && process.env.HONKER_KEEP_PACKED === undefined) rmSync(work, { recursive: true, force: true })
})

describe('packed packages', () => {
  it('every publishable package has a consumer file that uses its public API', () => {
    const names = readdirSync(consumerSources).map((file) => `@honker/${file.replace(/\.ts$/, '')}`)
    for (const pkg of packages) expect(names, `tests/packed/consumer has no file for ${pkg.name}`).toContain(pkg.name)
    expect(packages.map((pkg) => pkg.name)).toContain('@honker/core')
  })

  it('ships every file its package.json points at', () => {
    const missing: string[] = []
    for (const pkg of packages) {
      const manifest = JSON.parse(pkg.files!.get('package.json')!.toString('utf8')) as {
        exports?: Record<string, Record<string, string> | string>
        bin?: Record<string, string>
      }
      const targets: string[] = []
      for (const entry of Object.values(manifest.exports ?? {})) {
        if (typeof entry === 'string') targets.push(entry)
        else for (const [condition, target] of Object.entries(entry)) if (condition !== '@honker/source') targets.push(target)
      }
      targets.push(...Object.values(manifest.bin ?? {}))
      for (const target of targets) {
        if (!pkg.files!.has(path.posix.normalize(target))) missing.push(`${pkg.name}: ${target}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('has no source map that refers to a file missing from its tarball', () => {
    const broken: string[] = []
    for (const pkg of packages) {
      for (const [file, content] of pkg.files!) {
        const dir = path.posix.dirname(file)
        if (/\.(js|mjs|cjs|d\.ts|d\.mts|d\.cts)$/.test(file)) {
          const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(content.toString('utf8'))?.[1]
          if (url !== undefined && !url.startsWith('data:') && !pkg.files!.has(path.posix.join(dir, url))) {
            broken.push(`${pkg.name}: ${file} names ${url}, which is not in the tarball`)
          }
        }
        if (file.endsWith('.map')) {
          const map = JSON.parse(content.toString('utf8')) as { sourceRoot?: string; sources?: string[]; sourcesContent?: unknown[] }
          ;(map.sources ?? []).forEach((source, index) => {
            if (typeof map.sourcesContent?.[index] === 'string') return // embedded
            const target = path.posix.normalize(path.posix.join(dir, map.sourceRoot ?? '', source))
            if (!pkg.files!.has(target)) broken.push(`${pkg.name}: ${file} refers to ${source}, which is not in the tarball`)
          })
        }
      }
    }
    expect(broken).toEqual([])
  })

  it.each(CHECKS)(
    'an app outside the workspace compiles: tsc $version -p $project, strict, skipLibCheck: false',
    async ({ version, project, excused }) => {
      const { status, diagnostics } = await checks.get(`${version} ${project}`)!
      const ours = diagnostics.filter((diagnostic) => excused === undefined || !excused.test(diagnostic))
      expect({ diagnostics: ours }).toEqual({ diagnostics: [] })
      if (excused === undefined) expect(status).toBe(0)
      else expect(status === 0 || diagnostics.length > 0).toBe(true) // a failure, if any, is upstream's
    },
  )
})
