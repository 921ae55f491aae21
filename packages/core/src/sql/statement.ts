import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'

/**
 * One SQL statement with named `:param` placeholders, compiled once at module load.
 *
 * `text` uses positional `?` so every driver path accepts it (better-sqlite3, Kysely's
 * `CompiledQuery.raw`, Prisma's `$queryRawUnsafe`); `parts` are the literal segments between
 * placeholders (each one before a placeholder ends with its `+`), for tagged-template builders
 * such as Drizzle's `sql`. Values only ever travel
 * through `bind`, never into the text.
 *
 * Every placeholder is emitted as `+?`, an expression rather than a bare parameter. SQLite peeks
 * at the bound value of a bare parameter while planning (a LIMIT since 3.47; any indexed
 * comparison once `ANALYZE` or `PRAGMA optimize` has written `sqlite_stat4`, which better-sqlite3
 * enables) and then re-plans the statement every time that parameter is bound again, which every
 * driver does on every call: 5-8x slower claims and reads, and plans that can change with the
 * data. An expression is planned once. It means the same: a unary plus changes no value, and a
 * bound value has no affinity either way.
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
/** A trailing `RETURNING <one column>`. */
const RETURNING_ONE = /\s+RETURNING\s+"?\w+"?\s*$/i

export function statement(name: string, source: string): Statement {
  const text = source.trim()
  if (text.includes(';')) throw new Error(`statement ${name}: one statement per constant, no ';'`)
  const params: string[] = []
  const parts: string[] = []
  let last = 0
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(`${text.slice(last, match.index)}+`)
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
