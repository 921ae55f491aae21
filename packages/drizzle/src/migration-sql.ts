/**
 * drizzle-kit writes `CREATE TABLE` / `CREATE INDEX` without `IF NOT EXISTS`, so its migration
 * fails on a file where Honker's tables already exist: one that `open()` / `createHonker()`, a
 * worker process or a honker binding created first. Core's own DDL is all `IF NOT EXISTS`, so the
 * other order needs nothing. Rewriting only the `_honker_*` statements of a generated migration
 * makes both orders work; the app's own statements are left exactly as drizzle-kit wrote them.
 */
const HONKER_CREATE = /\bCREATE\s+(TABLE|INDEX|UNIQUE\s+INDEX)\s+(?!IF\s+NOT\s+EXISTS\b)(?=[`"[]?_honker_)/gi

/**
 * Add `IF NOT EXISTS` to every `CREATE TABLE` / `CREATE INDEX` of a `_honker_*` object in a
 * migration's SQL text. Idempotent; other statements are returned unchanged. The
 * `honker-drizzle if-not-exists <folder>` command applies it to drizzle-kit's output.
 *
 * ```ts
 * writeFileSync(file, honkerIfNotExists(readFileSync(file, 'utf8')))
 * ```
 */
export function honkerIfNotExists(migrationSql: string): string {
  return migrationSql.replace(
    HONKER_CREATE,
    (_match, kind: string) => `CREATE ${kind.toUpperCase().replace(/\s+/, ' ')} IF NOT EXISTS `,
  )
}
