import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { redisVersion } from './redis.mjs'
import { newestMtime } from './snapshot.mjs'

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const REPO_DIR = path.resolve(BENCH_DIR, '..')

function packageVersion(name) {
  try {
    // pnpm links each dependency under the bench package's node_modules.
    const file = path.join(BENCH_DIR, 'node_modules', name, 'package.json')
    return JSON.parse(fs.readFileSync(file, 'utf8')).version
  } catch {
    return null
  }
}

function cpuModel() {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8')
    return /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown'
  } catch {
    return os.cpus()[0]?.model ?? 'unknown'
  }
}

function memoryGiB() {
  try {
    const kb = Number(/^MemTotal:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1])
    if (kb > 0) return kb / 1024 / 1024
  } catch {}
  return os.totalmem() / 1024 ** 3
}

function filesystemOf(dir) {
  try {
    // df names ext4 as ext4 (stat -f only knows the ext2/ext3 magic).
    return execFileSync('df', ['--output=fstype', dir], { encoding: 'utf8' }).trim().split('\n').pop().trim()
  } catch {
    return 'unknown'
  }
}

function git(args) {
  try {
    return execFileSync('git', ['-C', REPO_DIR, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

/** Newest modification time under packages/core/dist, to notice a rebuild during a run. */
export function coreDistMtime() {
  return newestMtime(path.join(REPO_DIR, 'packages', 'core', 'dist'))
}

/**
 * The bench imports @honker/core's built `dist`: warn when `src` changed after the last build,
 * because the numbers would then describe older code.
 */
export function coreBuildWarning() {
  const core = path.join(REPO_DIR, 'packages', 'core')
  const dist = path.join(core, 'dist', 'index.js')
  if (!fs.existsSync(dist)) return '@honker/core is not built (packages/core/dist missing): run `pnpm build` first'
  if (newestMtime(path.join(core, 'src')) > fs.statSync(dist).mtimeMs + 1000) {
    return '@honker/core src/ changed after dist/ was built: run `pnpm build` so the bench measures the current code'
  }
  return null
}

/** The adapter packages the `adapter.*` figures import through their built `dist`. */
export const ADAPTER_PACKAGES = ['drizzle', 'kysely', 'prisma']

/** Like coreBuildWarning, for the adapters (checked only when adapter figures run). */
export function adapterBuildWarning() {
  const stale = []
  for (const name of ADAPTER_PACKAGES) {
    const pkg = path.join(REPO_DIR, 'packages', name)
    const dist = path.join(pkg, 'dist', 'index.js')
    if (!fs.existsSync(dist) || newestMtime(path.join(pkg, 'src')) > fs.statSync(dist).mtimeMs + 1000) stale.push(`@honker/${name}`)
  }
  return stale.length === 0
    ? null
    : `${stale.join(', ')}: dist/ missing or older than src/: run \`pnpm build\` so the adapter figures measure the current code`
}

/** Like coreBuildWarning, for @honker/postgres (checked only when PostgreSQL figures run). */
export function postgresBuildWarning() {
  const pkg = path.join(REPO_DIR, 'packages', 'postgres')
  const dist = path.join(pkg, 'dist', 'index.js')
  if (!fs.existsSync(dist)) return '@honker/postgres is not built (packages/postgres/dist missing): run `pnpm build` first'
  if (newestMtime(path.join(pkg, 'src')) > fs.statSync(dist).mtimeMs + 1000) {
    return '@honker/postgres src/ changed after dist/ was built: run `pnpm build` so the bench measures the current code'
  }
  return null
}

/**
 * SQLite's version as better-sqlite3 links it. Read here, not through lib/sqlite.mjs: the harness
 * imports nothing from @honker/core, so it can start (and wait) while core is being rebuilt.
 */
function sqliteVersion() {
  const Database = createRequire(import.meta.url)('better-sqlite3')
  const connection = new Database(':memory:')
  try {
    return connection.prepare('SELECT sqlite_version() AS v').get().v
  } finally {
    connection.close()
  }
}

export function collectEnv(workDir) {
  const commit = git(['rev-parse', '--short', 'HEAD'])
  const dirty = git(['status', '--porcelain', '--', 'packages/core'])
  const pgDirty = git(['status', '--porcelain', '--', 'packages/postgres'])
  return {
    date: new Date().toISOString(),
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: memoryGiB(),
    loadAverage: os.loadavg(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    tempDir: workDir,
    tempFs: filesystemOf(workDir),
    node: process.version,
    sqlite: sqliteVersion(),
    betterSqlite3: packageVersion('better-sqlite3'),
    honkerCore: packageVersion('@honker/core'),
    commit: commit === null ? null : `${commit}${dirty ? ' (packages/core has uncommitted changes)' : ''}`,
    plainjob: packageVersion('plainjob'),
    liteque: packageVersion('liteque'),
    bullmq: packageVersion('bullmq'),
    ioredis: packageVersion('ioredis'),
    drizzleOrm: packageVersion('drizzle-orm'),
    kysely: packageVersion('kysely'),
    prisma: packageVersion('prisma'),
    prismaClient: packageVersion('@prisma/client'),
    prismaAdapter: packageVersion('@prisma/adapter-better-sqlite3'),
    prismaAdapterPg: packageVersion('@prisma/adapter-pg'),
    redis: redisVersion(),
    honkerPostgres: packageVersion('@honker/postgres'),
    postgresCommit: commit === null ? null : `${commit}${pgDirty ? ' (packages/postgres has uncommitted changes)' : ''}`,
    postgresBuiltAt: (() => {
      const dist = path.join(REPO_DIR, 'packages', 'postgres', 'dist')
      const mtime = newestMtime(dist)
      return mtime > 0 ? new Date(mtime).toISOString() : null
    })(),
    pg: packageVersion('pg'),
    pgBoss: packageVersion('pg-boss'),
    graphileWorker: packageVersion('graphile-worker'),
    coreBuildWarning: coreBuildWarning(),
  }
}
