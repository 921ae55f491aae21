/**
 * @module @honker/postgres/adapter
 *
 * For ORM adapters (ours and third parties'): Honker's writes that join the ORM's own transaction
 * on PostgreSQL, run through anything that can run a query (`PgQueryable`), and the schema's DDL
 * for the ORM's migration tool. Each write is one statement, so any transaction can run it; its
 * NOTIFY wakes workers when that transaction commits.
 */
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_PAYLOAD_BYTES, type EnqueueOptions, type UniqueEnqueueResult } from '@honker/core/engine'
import { DEFAULT_SCHEMA, requireSchemaName, wakeChannel } from './names.ts'
import type { PgQueryable } from './pg.ts'
import { toHonkerError } from './errors.ts'
import { migrateOn, migrationChecksum, type PgMigrationReport } from './schema/migrate.ts'
import { PG_MIGRATIONS } from './schema/migrations.ts'
import { jobStatements } from './sql/jobs.pg.sql.ts'
import { messageStatements } from './sql/messages.pg.sql.ts'
import { appendEvent, insertJobs, insertNotification, insertUniqueJob, saveOffsetOn, type WriteContext } from './writes.ts'

export type { PgQueryable, PgQueryResult, PgQueryConfig } from './pg.ts'
export { PG_MIGRATIONS, type PgMigration } from './schema/migrations.ts'
export type { PgMigrationReport } from './schema/migrate.ts'

export interface PgWriter {
  readonly schema: string
  enqueue(runner: PgQueryable, queue: string, payload: unknown, options?: EnqueueOptions): Promise<number | UniqueEnqueueResult>
  enqueueMany(runner: PgQueryable, queue: string, payloads: readonly unknown[], options?: EnqueueOptions): Promise<number[]>
  notify(runner: PgQueryable, channel: string, payload: unknown): Promise<number>
  publish(runner: PgQueryable, topic: string, payload: unknown, options?: { key?: string | null }): Promise<number>
  saveOffset(runner: PgQueryable, consumer: string, topic: string, offset: number): Promise<boolean>
}

const writers = new Map<string, PgWriter>()

/**
 * The writes for Honker's tables in `schema` (default 'honker'). Statements go unnamed (not
 * prepared): an ORM's connection may be shared with code that prepares its own.
 */
export function pgWriter(options: { schema?: string; maxPayloadBytes?: number } = {}): PgWriter {
  const schema = requireSchemaName(options.schema ?? DEFAULT_SCHEMA)
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  const key = `${schema}:${maxPayloadBytes}`
  let writer = writers.get(key)
  if (writer === undefined) {
    const channel = wakeChannel(schema)
    const context: WriteContext = {
      schema,
      jobs: jobStatements(schema, channel),
      messages: messageStatements(schema, channel),
      maxPayloadBytes,
      nowParam: () => null,
      prepared: false,
    }
    writer = {
      schema,
      enqueue: async (runner, queue, payload, enqueueOptions) =>
        enqueueOptions?.uniqueKey === undefined
          ? (await insertJobs(context, runner, queue, [payload], enqueueOptions, DEFAULT_MAX_ATTEMPTS))[0]!
          : insertUniqueJob(context, runner, queue, payload, { ...enqueueOptions, uniqueKey: enqueueOptions.uniqueKey }, DEFAULT_MAX_ATTEMPTS),
      enqueueMany: (runner, queue, payloads, enqueueOptions) => insertJobs(context, runner, queue, payloads, enqueueOptions, DEFAULT_MAX_ATTEMPTS),
      notify: (runner, channelName, payload) => insertNotification(context, runner, channelName, payload),
      publish: (runner, topic, payload, publishOptions) => appendEvent(context, runner, topic, payload, publishOptions),
      saveOffset: (runner, consumer, topic, offset) => saveOffsetOn(context, runner, consumer, topic, offset),
    }
    writers.set(key, writer)
  }
  return writer
}

/**
 * Bring Honker's schema up to date inside an ORM migration's own transaction on `runner` (Kysely's
 * Migrator, Drizzle's or Prisma's migrate): the same migrations and ledger as `open()`, so either
 * finds the other's work done. Errors are coded (`permission_denied`, ...).
 */
export async function applyMigrations(runner: PgQueryable, schema: string = DEFAULT_SCHEMA): Promise<PgMigrationReport> {
  const s = requireSchemaName(schema)
  try {
    return await migrateOn(runner, s)
  } catch (error) {
    throw toHonkerError(error)
  }
}

/**
 * Every migration's DDL for `schema`, one script per migration, for a migration folder of plain SQL
 * files (drizzle-kit custom migrations, Prisma's migrate). It creates the schema, the tables and the
 * ledger row `open()` checks, so Honker then finds the schema current.
 */
export function migrationScripts(schema: string = DEFAULT_SCHEMA): { version: number; name: string; sql: string }[] {
  const s = requireSchemaName(schema)
  return PG_MIGRATIONS.map((migration, i) => ({
    version: migration.version,
    name: migration.name,
    sql: [
      i === 0 ? `CREATE SCHEMA IF NOT EXISTS ${s};` : '',
      i === 0
        ? `CREATE TABLE IF NOT EXISTS ${s}._honker_ts_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at bigint NOT NULL);`
        : '',
      migration.sql(s).trim().replace(/;?$/, ';'),
      `INSERT INTO ${s}._honker_ts_migrations (version, name, checksum, applied_at) VALUES (${migration.version}, '${migration.name}', '${migrationChecksum(migration)}', floor(extract(epoch from now()))::bigint);`,
    ]
      .filter((part) => part !== '')
      .join('\n'),
  }))
}
