// Every tracked file must check out on Windows (and on case-insensitive macOS volumes): a name
// Windows refuses makes `git clone` fail there. It happened: SQLite files named
// ':memory:?cache=shared' (Prisma's better-sqlite3 adapter and Honker open
// the URL file::memory:?cache=shared as a file of that name) were committed once.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

function trackedFiles(): string[] {
  const result = spawnSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`git ls-files failed (${result.error?.message ?? result.status}): ${result.stderr}`)
  return result.stdout.split('\0').filter((file) => file !== '')
}

/** Why Windows cannot create this path segment, or undefined if it can. */
function windowsProblem(segment: string): string | undefined {
  const invalid = /[<>:"|?*\\\u0000-\u001f]/.exec(segment)
  if (invalid) return `contains ${JSON.stringify(invalid[0])}`
  if (/[. ]$/.test(segment)) return 'ends with a dot or a space'
  if (/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i.test(segment)) return 'is a reserved device name'
  return undefined
}

describe('tracked file names', () => {
  it('the check knows the names Windows refuses', () => {
    expect(windowsProblem(':memory:?cache=shared')).toBe('contains ":"')
    expect(windowsProblem('a*b')).toBe('contains "*"')
    expect(windowsProblem('say "hi"')).toBe('contains "\\""')
    expect(windowsProblem('a<b>|c')).toBe('contains "<"')
    expect(windowsProblem('nul.txt')).toBe('is a reserved device name')
    expect(windowsProblem('notes.')).toBe('ends with a dot or a space')
    expect(windowsProblem('honker-core-0.1.0.tgz')).toBeUndefined()
    expect(windowsProblem('[id].ts')).toBeUndefined()
  })

  it('are all valid on Windows', () => {
    const files = trackedFiles()
    expect(files.length).toBeGreaterThan(0)
    const bad = files.flatMap((file) =>
      file.split('/').flatMap((segment) => {
        const problem = windowsProblem(segment)
        return problem === undefined ? [] : [`${file}: '${segment}' ${problem}`]
      }),
    )
    expect(bad).toEqual([])
  })

  it('differ in more than letter case', () => {
    const seen = new Map<string, string>()
    const clashes: string[] = []
    for (const file of trackedFiles()) {
      const other = seen.get(file.toLowerCase())
      if (other !== undefined) clashes.push(`${other} and ${file}`)
      else seen.set(file.toLowerCase(), file)
    }
    expect(clashes).toEqual([])
  })
})
