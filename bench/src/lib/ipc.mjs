import { fork } from 'node:child_process'

/**
 * A helper process spoken to over Node IPC with typed messages ({ type, ... }). Its stderr is
 * kept so a crash reports why; `next(type)` rejects if the process exits first.
 */
export function spawnProc(script, config, { timeoutMs = 120_000, execArgv = [] } = {}) {
  const child = fork(script, [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const inbox = []
  const waiters = []
  const listeners = new Map()
  let exited = null
  child.on('message', (message) => {
    const listener = listeners.get(message.type)
    if (listener !== undefined) return listener(message)
    const index = waiters.findIndex((w) => w.types.includes(message.type))
    if (index >= 0) waiters.splice(index, 1)[0].resolve(message)
    else inbox.push(message)
  })
  // 'close' (not 'exit'): messages sent just before exiting are delivered first.
  child.on('close', (code, signal) => {
    exited = new Error(`${script} exited (code ${code}, signal ${signal})${stderr ? `: ${stderr.trim()}` : ''}`)
    for (const w of waiters.splice(0)) w.reject(exited)
  })
  const exit = new Promise((resolve) => child.once('close', resolve))
  return {
    child,
    exit,
    send(message) {
      if (exited === null && child.connected) child.send(message)
    },
    /** The next message of `type` (also one that arrived before this call). */
    next(type, waitMs = timeoutMs) {
      return this.nextOf([type], waitMs)
    },
    /** The next message whose type is one of `types`. */
    nextOf(types, waitMs = timeoutMs) {
      const index = inbox.findIndex((m) => types.includes(m.type))
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0])
      if (exited !== null) return Promise.reject(exited)
      return new Promise((resolve, reject) => {
        const waiter = { types }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(new Error(`${script}: no '${types.join("' or '")}' message within ${waitMs} ms${stderr ? `: ${stderr.trim()}` : ''}`))
        }, waitMs)
        waiter.resolve = (m) => {
          clearTimeout(timer)
          resolve(m)
        }
        waiter.reject = (e) => {
          clearTimeout(timer)
          reject(e)
        }
        waiters.push(waiter)
      })
    },
    /** Hand every message of `type` to `fn` as it arrives (instead of queueing it for next()). */
    listen(type, fn) {
      listeners.set(type, fn)
    },
    async kill() {
      if (exited !== null) return
      child.kill('SIGKILL')
      await exit
    },
  }
}

/** In a helper process: the config passed by spawnProc, and a typed send. */
export function procConfig() {
  return JSON.parse(process.argv[2] ?? '{}')
}

export function reply(message) {
  return new Promise((resolve) => process.send(message, () => resolve()))
}
