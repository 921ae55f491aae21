import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** A throwaway PostgreSQL cluster the tests start, own and remove. */
export interface TestCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  readonly url: string
  readonly port: number
  /** Data directory (its `log` file sits beside it). */
  readonly dir: string
  /** Restart the server (`pg_ctl restart -m fast`): every connection is dropped. */
  restart(): void
  /** The server log so far, for a failed test's report. */
  log(): string
  stop(): void
}

/** The apt line a machine without PostgreSQL needs; the test command installs it in CI. */
export const POSTGRES_INSTALL_HINT = 'apt-get install -y --no-install-recommends postgresql'

/**
 * Where PostgreSQL's server binaries are: `PG_BIN`, `pg_config --bindir`, the newest
 * `/usr/lib/postgresql/<n>/bin` (Debian keeps them off PATH), then PATH.
 */
export function postgresBinDir(): string | null {
  if (process.env.PG_BIN && existsSync(path.join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (existsSync(path.join(dir, 'initdb'))) return dir
  } catch {}
  const base = '/usr/lib/postgresql'
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((entry) => existsSync(path.join(base, entry, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions[0] !== undefined) return path.join(base, versions[0], 'bin')
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' })
  return which.status === 0 ? path.dirname(which.stdout.trim()) : null
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`

/**
 * `initdb` refuses to run as root: as root, every server binary runs as the `postgres` user
 * (which Debian's package creates), in a directory handed to it.
 */
function runAsOwner(bin: string, args: string[]): { status: number | null; output: string } {
  const asRoot = process.getuid?.() === 0
  const result = asRoot
    ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', [bin, ...args].map(quote).join(' ')], { encoding: 'utf8' })
    : spawnSync(bin, args, { encoding: 'utf8' })
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}` }
}

function postgresUid(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'))
  if (line === undefined) throw new Error('running as root needs the `postgres` user to run initdb; install postgresql')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

export interface StartClusterOptions {
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>
  /** Keep fsync on (soaks that restart the server); tests turn it off for speed. */
  fsync?: boolean
}

/**
 * Start a throwaway cluster: initdb in a temp dir, a free port on 127.0.0.1 and a socket in the
 * same dir, so it never touches the machine's own cluster. Throws with the apt line to type when
 * PostgreSQL is missing: nothing is skipped silently.
 */
export async function startTestCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const bin = postgresBinDir()
  if (bin === null) throw new Error(`PostgreSQL's server binaries are missing: ${POSTGRES_INSTALL_HINT} (or set PG_BIN)`)
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-pg-'))
  chmodSync(dir, 0o755)
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUid()
    chownSync(dir, uid, gid)
  }
  const data = path.join(dir, 'data')
  const logFile = path.join(dir, 'log')
  const init = runAsOwner(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'])
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.output}`)
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    fsync: options.fsync === true ? 'on' : 'off',
    synchronous_commit: options.fsync === true ? 'on' : 'off',
    full_page_writes: options.fsync === true ? 'on' : 'off',
    max_connections: 300,
    ...options.settings,
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const serverOptions = [`-p ${port}`, `-k ${dir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ')
    const ctl = (...args: string[]) => runAsOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, ...args])
    const started = ctl('-w', '-t', '60', '-o', serverOptions, 'start')
    if (started.status !== 0) {
      // Another process took the port between the probe and the bind: try another.
      if (attempt < 3) continue
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`pg_ctl start failed:\n${started.output}\n${log}`)
    }
    let stopped = false
    const stop = (): void => {
      if (stopped) return
      stopped = true
      process.off('exit', stop)
      ctl('-m', 'immediate', 'stop')
      rmSync(dir, { recursive: true, force: true })
    }
    process.on('exit', stop)
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dir,
      restart(): void {
        const restarted = ctl('-w', '-t', '60', '-m', 'fast', '-o', serverOptions, 'restart')
        if (restarted.status !== 0) throw new Error(`pg_ctl restart failed:\n${restarted.output}`)
      },
      log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      stop,
    }
  }
}

/** A database of its own for one run of an app (the example apps), and how to remove it. */
export interface FreshPostgresDatabase {
  /** Its connection URL. */
  url: string
  /** The URL to print: password hidden, and whether it lives on a throwaway cluster. */
  shown: string
  /** Drop it (or stop the throwaway cluster); with `keep`, leave it. Resolves true when it was left. */
  drop(options?: { keep?: boolean }): Promise<boolean>
}

/**
 * A new database (CREATE DATABASE `<prefix>_<random>`) on the server at `serverUrl` (default
 * `DATABASE_URL`) or, without one, on a throwaway cluster started here and stopped by `drop()`
 * (also on Ctrl-C or SIGTERM, through process.exit's hook).
 */
export async function freshPostgresDatabase(prefix: string, serverUrl = process.env.DATABASE_URL || undefined): Promise<FreshPostgresDatabase> {
  const { default: pg } = await import('pg')
  const cluster = serverUrl === undefined ? await startTestCluster() : undefined
  const server = serverUrl ?? cluster!.url
  if (cluster !== undefined) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1))
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: server })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(server)
  url.pathname = `/${name}`
  const shown = new URL(url)
  if (shown.password !== '') shown.password = '***'
  return {
    url: url.toString(),
    shown: `${shown}${cluster ? ' (a throwaway cluster, removed at the end)' : ''}`,
    async drop({ keep = false } = {}) {
      if (cluster !== undefined) {
        cluster.stop() // the database goes with it
        return false
      }
      if (keep) return true
      const dropper = new pg.Client({ connectionString: server })
      try {
        await dropper.connect()
        await dropper.query(`DROP DATABASE IF EXISTS ${name}`)
      } catch (error) {
        console.error(`could not drop database ${name}: ${(error as Error).message}`)
        return true
      } finally {
        await dropper.end().catch(() => {})
      }
      return false
    },
  }
}
