// One measurement run in a process of its own: the harness forks this file, sends
// { module, fn, params }, and gets back { ok, result } (result may be { skip: reason }).
// A fresh process per run keeps runs independent (no JIT, GC or page-cache state carried over)
// and keeps the honker native module away from better-sqlite3.
process.once('message', async ({ module, fn, params }) => {
  let message
  try {
    const cases = await import(`./cases/${module}.mjs`)
    if (typeof cases[fn] !== 'function') throw new Error(`cases/${module}.mjs has no export ${fn}`)
    message = { ok: true, result: await cases[fn](params) }
  } catch (error) {
    // Lead with "Name: message": a SyntaxError's stack starts with the source location instead.
    const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)
    message = error?.skip === true ? { ok: true, result: { skip: error.message } } : { ok: false, error: text }
  }
  // Exit at once: some peers leave sockets, timers or watcher threads behind.
  process.send(message, () => process.exit(0))
})
