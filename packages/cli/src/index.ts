/**
 * @module @honker/cli
 *
 * The `honker` command is the package's point (`npx honker --help` in a project that depends on
 * @honker/cli, `npx @honker/cli --help` anywhere else). This entry point exports the types a
 * handler module can use, and `main` for running the command in-process.
 *
 * ```ts
 * // handlers.ts
 * import type { CliJobHandler } from '@honker/cli'
 * export const emails: CliJobHandler<{ to: string }> = async (job, { signal, db }) => {
 *   await sendEmail(job.payload.to, { signal })
 * }
 * ```
 */
export { main } from './main.ts'
export type { CliJobHandler, CliHandlerContext } from './worker/handler-module.ts'
