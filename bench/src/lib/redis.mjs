import { execFileSync, spawn } from 'node:child_process'
import net from 'node:net'

/** `redis-server --version`, or null when it is not installed. */
export function redisVersion() {
  try {
    const out = execFileSync('redis-server', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return /v=([\d.]+)/.exec(out)?.[1] ?? out.trim()
  } catch {
    return null
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Start a throwaway Redis on 127.0.0.1 and a free port, with no persistence, in `dir`.
 * Resolves { port, stop } or { reason } when it cannot start.
 */
export async function startRedis(dir) {
  if (redisVersion() === null) {
    return { reason: 'redis-server is not installed (Debian: apt-get install -y redis-server)' }
  }
  const port = await freePort()
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const ready = new Promise((resolve) => {
    const onData = (chunk) => {
      output += chunk
      if (output.includes('Ready to accept connections')) resolve(true)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
  })
  const outcome = await Promise.race([
    ready,
    exited.then(() => false),
    new Promise((resolve) => setTimeout(() => resolve(false), 10_000)),
  ])
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  if (!outcome) {
    await stop()
    const last = output.trim().split('\n').slice(-2).join(' / ')
    return { reason: `redis-server did not start on port ${port}${last ? `: ${last}` : ''}` }
  }
  return { port, pid: child.pid, stop }
}
