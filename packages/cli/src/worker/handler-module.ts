import { existsSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Database, HandlerContext, Job } from '@honker/core'
import { CliError } from '../errors.ts'

/** What a handler gets besides the job: core's context plus the open database. */
export interface CliHandlerContext extends HandlerContext {
  /** The worker's database: enqueue follow-up jobs, publish, notify, save results. */
  db: Database
  /** The queue being worked. */
  queue: string
}

/** A handler as `honker worker` loads it: return to ack, throw to retry (or dead-letter). */
export type CliJobHandler<Payload = any> = (job: Job<Payload>, context: CliHandlerContext) => unknown

export interface LoadedHandler {
  handler: CliJobHandler
  /** Which export was used, for the start-up message. */
  exportName: string
  file: string
}

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/

/**
 * Import the handler module and pick the function for `queue`: an export named like the queue
 * wins (one module can serve several queues), then the default export if it is a function, then
 * a property named like the queue on the default export (a CommonJS `module.exports = { emails }`).
 */
export async function loadHandler(specifier: string, queue: string): Promise<LoadedHandler> {
  const file = path.resolve(specifier)
  if (!existsSync(file)) throw new CliError('handler_not_found', `no handler module at ${file} (check --handler)`)
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } catch (error) {
    throw loadError(file, error)
  }
  const named = module[queue]
  if (typeof named === 'function') return { handler: named as CliJobHandler, exportName: queue, file }
  const fallback = module.default
  if (typeof fallback === 'function') return { handler: fallback as CliJobHandler, exportName: 'default', file }
  if (typeof fallback === 'object' && fallback !== null) {
    const property = (fallback as Record<string, unknown>)[queue]
    if (typeof property === 'function') return { handler: property as CliJobHandler, exportName: `default.${queue}`, file }
  }
  const found = Object.keys(module).filter((key) => key !== '__esModule')
  throw new CliError(
    'handler_not_found',
    `${file} has no function exported as ${JSON.stringify(queue)} or as the default export` +
      (found.length > 0 ? ` (it exports: ${found.join(', ')})` : ' (it exports nothing)'),
  )
}

function loadError(file: string, error: unknown): CliError {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  if (TYPESCRIPT.test(file) && (code === 'ERR_UNKNOWN_FILE_EXTENSION' || error instanceof SyntaxError)) {
    return new CliError(
      'handler_load_failed',
      `cannot load the TypeScript handler ${file}: Node needs a loader, e.g. NODE_OPTIONS='--import tsx' honker worker ..., or Node 22.6+ with --experimental-strip-types (${message})`,
      { cause: error },
    )
  }
  return new CliError('handler_load_failed', `cannot load the handler module ${file}: ${message}`, { cause: error })
}
