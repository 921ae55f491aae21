/**
 * A private copy of the code a run measures, taken once at its start. The bench imports the built
 * `dist/` of @honker/core and the adapters, and in this workspace other work rebuilds them at any
 * time (a build first empties `dist/`): a run of several minutes would otherwise measure different
 * builds in different rounds, or fail while `dist/` is missing. So the harness copies the bench's
 * own sources and each workspace package it uses, as published (the files its package.json ships),
 * into the run's temp directory, links every other dependency to the installed one, and forks its
 * children from that copy.
 */
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** Newest modification time of the files under `dir` (0 when it does not exist). */
export function newestMtime(dir) {
  let newest = 0
  if (!fs.existsSync(dir)) return newest
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs)
  }
  return newest
}

/**
 * Wait until `dist` has its entry point and nothing in it changed for `quietMs` (a build in
 * progress writes files for several seconds); give up after `timeoutMs`.
 */
export async function waitForBuild(dist, { quietMs = 3000, timeoutMs = 600_000, log = () => {} } = {}) {
  const deadline = Date.now() + timeoutMs
  let told = false
  for (;;) {
    const ready = fs.existsSync(path.join(dist, 'index.js')) && Date.now() - newestMtime(dist) > quietMs
    if (ready) return
    if (Date.now() > deadline) throw new Error(`${dist} missing or still changing after ${timeoutMs / 1000} s: build the package first`)
    if (!told) log(`waiting for ${dist} (missing or being rebuilt)`)
    told = true
    await sleep(1000)
  }
}

/** Symlink every entry of `from` (a node_modules) into `to`, scopes entry by entry; `replace(name)` may name another target. */
function linkModules(from, to, replace) {
  if (!fs.existsSync(from)) return
  fs.mkdirSync(to, { recursive: true })
  for (const entry of fs.readdirSync(from)) {
    if (entry.startsWith('@')) {
      for (const inner of fs.readdirSync(path.join(from, entry))) {
        const name = `${entry}/${inner}`
        fs.mkdirSync(path.join(to, entry), { recursive: true })
        fs.symlinkSync(replace(name) ?? fs.realpathSync(path.join(from, name)), path.join(to, name))
      }
    } else {
      fs.symlinkSync(replace(entry) ?? fs.realpathSync(path.join(from, entry)), path.join(to, entry))
    }
  }
}

/**
 * Copy the bench (`benchDir`: src/, package.json; prisma/ and node_modules/.cache linked) and the
 * `@honker/*` packages it reaches, into `into`; `core`, a package directory with a built `dist/`,
 * stands in for @honker/core wherever it is imported (a before/after comparison). Returns the
 * copied bench directory.
 */
export function snapshotBench(benchDir, into, { core } = {}) {
  const copies = new Map()
  /** The copy of workspace package `name` (at `source`), made once. */
  const copyPackage = (name, source) => {
    const real = fs.realpathSync(source)
    if (copies.has(real)) return copies.get(real)
    const target = path.join(into, 'packages', name.replace('/', '+'))
    copies.set(real, target)
    fs.mkdirSync(target, { recursive: true })
    const manifest = JSON.parse(fs.readFileSync(path.join(real, 'package.json'), 'utf8'))
    fs.copyFileSync(path.join(real, 'package.json'), path.join(target, 'package.json'))
    for (const file of manifest.files ?? []) {
      if (fs.existsSync(path.join(real, file))) fs.cpSync(path.join(real, file), path.join(target, file), { recursive: true })
    }
    linkModules(path.join(real, 'node_modules'), path.join(target, 'node_modules'), (dep) => workspaceCopy(path.join(real, 'node_modules'), dep))
    return target
  }
  const workspaceCopy = (modules, dep) => {
    if (dep === '@honker/core' && core !== undefined) return copyPackage(dep, core)
    return dep.startsWith('@honker/') ? copyPackage(dep, path.join(modules, dep)) : null
  }

  const bench = path.join(into, 'bench')
  fs.mkdirSync(bench, { recursive: true })
  fs.cpSync(path.join(benchDir, 'src'), path.join(bench, 'src'), { recursive: true })
  fs.copyFileSync(path.join(benchDir, 'package.json'), path.join(bench, 'package.json'))
  fs.symlinkSync(path.join(benchDir, 'prisma'), path.join(bench, 'prisma'))
  const modules = path.join(benchDir, 'node_modules')
  fs.mkdirSync(path.join(modules, '.cache'), { recursive: true })
  linkModules(modules, path.join(bench, 'node_modules'), (dep) => {
    // The Prisma client cache and vite's folders stay where they are (shared between runs).
    if (dep.startsWith('.')) return path.join(modules, dep)
    return workspaceCopy(modules, dep)
  })
  // honker's native module is an optional dependency of the repository root, not of the bench: the
  // snapshot, outside the repository, would not find it by walking up (its figures were skipped).
  const native = path.join(benchDir, '..', 'node_modules', NATIVE_MODULE)
  const nativeLink = path.join(bench, 'node_modules', NATIVE_MODULE)
  if (fs.existsSync(native) && !fs.existsSync(nativeLink)) {
    fs.mkdirSync(path.dirname(nativeLink), { recursive: true })
    fs.symlinkSync(fs.realpathSync(native), nativeLink)
  }
  return bench
}

const NATIVE_MODULE = '@russellthehippo/honker-node-linux-x64-gnu'
