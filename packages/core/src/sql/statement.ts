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
  /**
   * For an `INSERT ... RETURNING <one column>`: the same text without the RETURNING clause. When
   * that column is the rowid (`id`, `offset`), a
   * synchronous driver runs it and reads `lastInsertRowid`, which is about twice as fast as
   * stepping a RETURNING row; async executors keep the RETURNING form.
   */
  readonly insertText: string | undefined
  bind(values: Readonly<Record<string, unknown>>): unknown[]
}

const PLACEHOLDER = /:([a-z_][a-z0-9_]*)/gi
/**
 * A bare parameter as a LIMIT or OFFSET. SQLite (3.47 and later) reads the bound value while
 * planning such a statement and marks it to be re-planned whenever that parameter is bound again,
 * and every driver binds on every call: a claim re-compiled its SQL each time (10 µs of a 2 µs
 * read). `LIMIT +:limit` is an expression, planned once.
 */
const BARE_LIMIT_PARAMETER = /\b(LIMIT|OFFSET)\s+:[a-z_]/i
/** A trailing `RETURNING <one column>`. */
const RETURNING_ONE = /\s+RETURNING\s+"?\w+"?\s*$/i

export function statement(name: string, source: string): Statement {
  const text = source.trim()
  if (text.includes(';')) throw new Error(`statement ${name}: one statement per constant, no ';'`)
  if (BARE_LIMIT_PARAMETER.test(text)) throw new Error(`statement ${name}: write LIMIT/OFFSET +:param, not :param (re-planned on every bind)`)
  const params: string[] = []
  const parts: string[] = []
  let last = 0
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(text.slice(last, match.index))
    params.push(match[1]!)
    last = match.index! + match[0].length
  }
  parts.push(text.slice(last))
  const positional = parts.join('?')
  return Object.freeze({
    name,
    text: positional,
    insertText: /^INSERT\b/i.test(positional) && RETURNING_ONE.test(positional) ? positional.replace(RETURNING_ONE, '') : undefined,
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
