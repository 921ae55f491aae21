// Loading the honker 0.5.1 native module (@russellthehippo/honker-node-linux-x64-gnu). Only ever
// required in processes that never load better-sqlite3: the module links the system libsqlite3,
// and two SQLite copies on one file in one process lose writes (their POSIX locks clash).
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const NAME = '@russellthehippo/honker-node-linux-x64-gnu'

/** { honker } or { reason } explaining why the module cannot load here. */
function loadNative() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { reason: `the native module is built for linux-x64 only (this is ${process.platform}-${process.arch})` }
  }
  let resolved
  try {
    resolved = require.resolve(NAME)
  } catch {
    return { reason: `${NAME} is not installed (it is an optional dependency at the repo root)` }
  }
  try {
    return { honker: require(NAME), version: packageVersion(resolved) }
  } catch (error) {
    return { reason: `${NAME} failed to load: ${String(error && error.message ? error.message : error).split('\n')[0]}` }
  }
}

function packageVersion(resolved) {
  let dir = path.dirname(resolved)
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json')
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'))
      if (pkg.name === NAME) return pkg.version
    }
    dir = path.dirname(dir)
  }
  return 'unknown'
}

/** Run `fn(tx)` in one honker writer transaction (BEGIN IMMEDIATE); the only place honker_* exist. */
function inTx(db, fn) {
  const tx = db.transaction()
  try {
    const result = fn(tx)
    tx.commit()
    return result
  } catch (error) {
    tx.rollback()
    throw error
  }
}

/**
 * One pending updateEvents().next() at a time, reused across waits: an abandoned next() still
 * consumes the next wake (research note c_update_events.js).
 */
function waker(events) {
  let pending = null
  return () => (pending ??= events.next().then(() => {
    pending = null
  }))
}

module.exports = { NAME, loadNative, inTx, waker }
