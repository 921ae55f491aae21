// The floors of the cross-process wake figures (issue 20): the least any consumer in another
// process can do. Config (argv[2], JSON): { file?, socket?, queue?, mode: 'watch' | 'socket' }
// watch:  no runtime, no Honker: a raw connection of the bench's driver, `fs.watch` on the database's
//         directory, `PRAGMA data_version` on each event (re-checked for up to 0.3 ms while the
//         writer finishes its -shm update, then with 1 ms timers for 3 ms, as any watcher must),
//         then one hand-written claim transaction of the new job. Records monotonicMs() once that claim has committed.
// socket: a Unix socket server; records monotonicMs() as each newline-terminated message arrives
//         (the kernel's floor for one process telling another anything).
// Both send 'ready' once listening -> on 'collect' send 'samples' [[i, at], ...] -> on 'stop' exit.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { procConfig, reply } from '../lib/ipc.mjs'
import { immediateTransaction, openLibrary } from '../lib/libraries.mjs'
import { RAW_CLAIM } from '../lib/sql.mjs'
import { monotonicMs } from '../lib/clock.mjs'

const config = procConfig()
const samples = []
const handlers = {}
process.on('message', (message) => void handlers[message.type]?.(message))
process.on('disconnect', () => process.exit(0))
handlers.collect = () => process.send({ type: 'samples', samples, errors: [] })
const sleepCell = new Int32Array(new SharedArrayBuffer(4))

if (config.mode === 'watch') {
  // The driver HONKER_DRIVER names (better-sqlite3 by default), as the consumer it is the floor of.
  const db = openLibrary(config.file)
  const versionStatement = db.prepare('PRAGMA data_version')
  const version = () => Object.values(versionStatement.get())[0]
  const claim = db.prepare(RAW_CLAIM)
  const claimOne = immediateTransaction(db, () => {
    const now = Math.floor(Date.now() / 1000)
    return claim.all('floor', now + 300, config.queue, now, now, now, 1)
  })
  let baseline = version()
  const base = path.basename(config.file)
  const related = new Set([base, `${base}-wal`])
  const check = () => {
    const current = version()
    if (current === baseline) return false
    baseline = current
    // This connection's own claim commit does not move its data_version.
    for (const row of claimOne()) samples.push([JSON.parse(row.payload).i, monotonicMs()])
    return true
  }
  let queued = false
  const watcher = fs.watch(path.dirname(config.file), (_event, filename) => {
    if (filename !== null && !related.has(filename.toString())) return
    if (queued) return
    queued = true
    setImmediate(() => {
      queued = false
      const eventAt = performance.now()
      while (!check() && performance.now() - eventAt < 0.3) Atomics.wait(sleepCell, 0, 0, 0.025)
      // Not visible yet (the writer is still updating -shm): 1 ms timers for 3 ms, as Honker's
      // watcher does; without them a commit whose last file event came too early is never seen.
      const recheck = () => {
        if (!check() && performance.now() - eventAt < 3) setTimeout(recheck, 1)
      }
      if (performance.now() - eventAt >= 0.3) setTimeout(recheck, 1)
    })
  })
  handlers.stop = async () => {
    watcher.close()
    db.close()
    await reply({ type: 'stopped' })
    process.exit(0)
  }
  await reply({ type: 'ready' })
} else if (config.mode === 'socket') {
  const server = net.createServer((socket) => {
    let buffered = ''
    socket.on('data', (chunk) => {
      const at = monotonicMs()
      buffered += chunk.toString()
      let newline
      while ((newline = buffered.indexOf('\n')) >= 0) {
        samples.push([Number(buffered.slice(0, newline)), at])
        buffered = buffered.slice(newline + 1)
      }
    })
  })
  await new Promise((resolve) => server.listen(config.socket, resolve))
  handlers.stop = async () => {
    server.close()
    await reply({ type: 'stopped' })
    process.exit(0)
  }
  await reply({ type: 'ready' })
} else {
  throw new Error(`unknown mode ${config.mode}`)
}
