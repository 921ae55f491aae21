import fs from 'node:fs'
import path from 'node:path'

/** A database path that does not exist yet, inside the run's own temp directory. */
export function freshPath(workDir, name) {
  const file = path.join(workDir, `${name}.db`)
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true })
  return file
}
