import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'

/**
 * One SQL statement with named `:param` placeholders, compiled once at module load.
 *
 * `text` uses positional `?` so every driver path accepts it (better-sqlite3, Kysely's
 * `CompiledQuery.raw`, Prisma's `$queryRawUnsafe`); `parts` are the literal segments between
 * placeholders, for tagged-template builders such as Drizzle's `sql`. Values only ever travel
 * through `bind`, never into the text.
 */
export interface Statement {
  readonly name: string
  readonly text: string
  readonly parts: readonly string[]
  readonly params: readonly string[]
  bind(values: Readonly<Record<string, unknown>>): unknown[]
}

const PLACEHOLDER = /:([a-z_][a-z0-9_]*)/gi

export function statement(name: string, source: string): Statement {
  const text = source.trim()
  if (text.includes(';')) throw new Error(`statement ${name}: one statement per constant, no ';'`)
  const params: string[] = []
  const parts: string[] = []
  let last = 0
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(text.slice(last, match.index))
    params.push(match[1]!)
    last = match.index! + match[0].length
  }
  parts.push(text.slice(last))
  return Object.freeze({
    name,
    text: parts.join('?'),
    parts: Object.freeze(parts),
    params: Object.freeze(params),
    bind(values: Readonly<Record<string, unknown>>): unknown[] {
      return params.map((param) => {
        const value = values[param]
        if (value === undefined) throw new InvalidArgumentError(param, `missing value for statement ${name}`)
        return value
      })
    },
  })
}
