// @honker/cli: a handler module for `honker work`, and the command run in-process.
import { main, type CliHandlerContext, type CliJobHandler } from '@honker/cli'

export const emails: CliJobHandler<{ to: string }> = async (job, { signal, db, queue }: CliHandlerContext) => {
  if (signal.aborted) return
  db.notify('sent', { to: job.payload.to, queue })
}

export async function run(): Promise<number> {
  const code: number = await main(['node', 'honker', 'status', '--db', 'app.db'])
  return code
}
