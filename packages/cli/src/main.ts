/**
 * @module @honker/cli
 *
 * The `honker` command: `worker`, `status`, `dead list|retry|delete`, `jobs list|release`, `queue pause|resume|show`,
 * `enqueue`, `tail`, `scheduler run` and `dashboard`, on any SQLite file honker's tables live in (created by @honker/core or by
 * honker 0.5 in another language). Every command is a thin layer over @honker/core; the only one
 * with a network port is `dashboard` (@honker/dashboard, on 127.0.0.1 unless told otherwise).
 */
import { createRequire } from 'node:module'
import { Command, CommanderError, Option } from 'commander'
import { dashboardCommand } from './commands/dashboard.ts'
import { deadActionCommand, deadListCommand } from './commands/dead.ts'
import { enqueueCommand } from './commands/enqueue.ts'
import { jobsListCommand, jobsReleaseCommand } from './commands/jobs.ts'
import { queueCommand } from './commands/queue.ts'
import { schedulerRunCommand } from './commands/scheduler.ts'
import { statusCommand } from './commands/status.ts'
import { metricsCommand } from './commands/metrics.ts'
import { tailCommand } from './commands/tail.ts'
import { workerCommand } from './commands/worker.ts'
import { describeError, EXIT_OK, EXIT_USAGE, formatError, outputClosedError } from './errors.ts'
import { dbOption, driverOption, integer, jobIds, readPayload, seconds } from './options.ts'
import { stdoutFailure, watchStdout } from './output.ts'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

/** The `--create` flag of the commands that can start on an empty queue. */
const CREATE_HELP = "create the database file, or add honker's tables to it, if they do not exist (otherwise such a file is refused)"

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`
}

/**
 * Build the command tree. Actions are async and awaited by `parseAsync`, so their errors reach
 * `main`; `setExitCode` receives what the command returned.
 */
function buildProgram(setExitCode: (code: number) => void, verbose: boolean, onUsageError: (command: string) => void): Command {
  const run = async (code: number | Promise<number>): Promise<void> => setExitCode(await code)
  const program = new Command('honker')
  program
    .description('Run workers and inspect the honker queues, streams and schedules in a SQLite file.')
    .version(version, '--version', 'print the version')
    .option('--verbose', 'print stack traces with errors')
    .helpOption('-h, --help', 'show help for a command')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: () => onUsageError('honker') })
    .addHelpText('after', examples(
      'honker worker --db app.db --queue emails --handler ./handlers.js --concurrency 4',
      'honker status --db app.db',
      'honker metrics --db app.db > /var/lib/node_exporter/honker.prom',
      'honker dead retry --db app.db --queue emails --all',
      'honker jobs list --db app.db --state processing',
      "honker enqueue --db app.db --queue emails --payload '{\"to\":\"a@example.com\"}'",
      'honker tail --db app.db --channel orders',
      'honker scheduler run --db app.db',
      'honker dashboard --db app.db --port 4000',
    ))

  // Each command records itself as the one that failed to parse, for the `--help` hint.
  const command = (parent: Command, name: string): Command => {
    const child = parent.command(name)
    const path = parent === program ? `honker ${name}` : `honker ${parent.name()} ${name}`
    child.configureOutput({ outputError: () => onUsageError(path) })
    return child
  }

  command(program, 'worker')
    .description('Process the jobs of one queue with a handler module until SIGINT/SIGTERM.')
    .addOption(dbOption())
    .addOption(driverOption())
    .requiredOption('--queue <name>', 'the queue to work')
    .requiredOption('--handler <module>', 'the handler module: a named export like the queue, or the default export, `(job, ctx) => ...`')
    .option('--concurrency <n>', 'jobs run at once', integer({ min: 1, max: 10_000 }), 1)
    .option('--visibility-timeout <seconds>', "how long a claim is owned before another worker may take the job (default: the queue's 300)", integer({ min: 1 }))
    .option('--shutdown-timeout <seconds>', 'on SIGINT/SIGTERM, how long running jobs may finish before they are released back to the queue', seconds, 30)
    .option('--worker-id <id>', 'name this worker in claims (default: host:pid:random)')
    .option('--results', "save each handler's return value as the job's result (db.getResult / waitResult)")
    .option('--json', 'JSON lines even on a terminal (the default when stdout is not a terminal)')
    .option('--status-interval <seconds>', 'how often progress is shown: the live line on a terminal (default 0.5), a status JSON line otherwise (default 10; 0 = never)', seconds)
    .option('--create', CREATE_HELP)
    .addHelpText('after', examples(
      'honker worker --db app.db --queue emails --handler ./handlers.js',
      'honker worker --db app.db --queue emails --handler ./handlers.js --concurrency 8 --shutdown-timeout 60',
      "NODE_OPTIONS='--import tsx' honker worker --db app.db --queue emails --handler ./handlers.ts",
    ))
    .action((options) => run(workerCommand({ ...options, verbose })))

  command(program, 'status')
    .description('Show queues (pending, delayed, processing, dead, oldest pending), streams with consumer lag, and schedules.')
    .addOption(dbOption())
    .addOption(driverOption())
    .option('--json', 'one JSON object instead of tables')
    .addHelpText('after', examples('honker status --db app.db', 'honker status --db app.db --json | jq .queues'))
    .action((options) => run(statusCommand(options)))

  command(program, 'metrics')
    .description('Print every queue\'s depth by state (pending, delayed, processing, dead) and oldest pending age as Prometheus text.')
    .addOption(dbOption())
    .addOption(driverOption())
    .addHelpText('after', examples('honker metrics --db app.db', 'honker metrics --db app.db > /var/lib/node_exporter/textfile/honker.prom'))
    .action((options) => run(metricsCommand(options)))

  const dead = command(program, 'dead')
    .description('List, retry (redrive) or delete the dead jobs of a queue.')
    .addHelpText('after', examples(
      'honker dead list --db app.db --queue emails',
      'honker dead retry --db app.db --queue emails --id 41 42',
      'honker dead delete --db app.db --queue emails --all',
    ))
  command(dead, 'list')
    .description("List a queue's dead jobs, oldest id first, with their last error.")
    .addOption(dbOption())
    .addOption(driverOption())
    .requiredOption('--queue <name>', 'the queue')
    .option('--limit <n>', 'most jobs to list', integer({ min: 1, max: 100_000 }), 100)
    .option('--after-id <id>', 'list jobs after this id (the next page)', integer({ min: 0 }))
    .option('--json', 'one JSON object per line')
    .action((options) => run(deadListCommand(options)))
  for (const action of ['retry', 'delete'] as const) {
    command(dead, action)
      .description(
        action === 'retry'
          ? 'Put dead jobs back on the queue as pending, same id, attempts reset to 0, due now.'
          : 'Delete dead jobs for good.',
      )
      .addOption(dbOption())
      .addOption(driverOption())
      .requiredOption('--queue <name>', 'the queue')
      .option('--id <ids...>', 'job ids (repeat, space- or comma-separated); all of them or none change', jobIds)
      .option('--all', `${action} every dead job of the queue`)
      .option('--json', 'print the ids as JSON')
      .action((options) => run(deadActionCommand(action, options)))
  }

  const queueCmd = command(program, 'queue')
    .description("Pause or resume a queue, or show its shared settings (every worker process obeys them).")
    .addHelpText('after', examples(
      'honker queue pause --db app.db --queue emails',
      'honker queue resume --db app.db --queue emails',
      'honker queue show --db app.db --queue emails --json',
    ))
  for (const action of ['pause', 'resume', 'show'] as const) {
    command(queueCmd, action)
      .description(
        action === 'pause'
          ? 'Stop handing out claims in every process; running jobs finish, jobs can still be enqueued.'
          : action === 'resume'
            ? 'Hand out claims again; idle workers wake at once.'
            : 'Print whether the queue is paused and its concurrency limits.',
      )
      .addOption(dbOption())
      .addOption(driverOption())
      .requiredOption('--queue <name>', 'the queue')
      .option('--json', 'print the settings as one JSON object')
      .action((options) => run(queueCommand(action, options)))
  }

  const jobs = command(program, 'jobs')
    .description('List live jobs, and release claimed (processing) jobs back to the queue.')
    .addHelpText('after', examples(
      'honker jobs list --db app.db --state processing',
      'honker jobs release --db app.db --queue emails --all-expired',
      'honker jobs release --db app.db --queue emails --worker web-1:4242:1f2e3d4c --force',
    ))
  command(jobs, 'list')
    .description("List live jobs (pending, delayed, processing), oldest id first, with each claim's worker, attempts and expiry.")
    .addOption(dbOption())
    .addOption(driverOption())
    .option('--queue <name>', 'only this queue (default: every queue)')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(['processing', 'pending', 'delayed']))
    .option('--limit <n>', 'most jobs to list', integer({ min: 1, max: 100_000 }), 100)
    .option('--after-id <id>', 'list jobs after this id (the next page)', integer({ min: 0 }))
    .option('--json', 'one JSON object per line')
    .action((options) => run(jobsListCommand(options)))
  command(jobs, 'release')
    .description(
      'Put processing jobs back to pending, their attempt given back, so any worker can take them now. ' +
        'A live claim needs --force (its worker may still be running the job).',
    )
    .addOption(dbOption())
    .addOption(driverOption())
    .requiredOption('--queue <name>', 'the queue')
    .option('--id <ids...>', 'job ids (repeat, space- or comma-separated); all of them or none change', jobIds)
    .option('--all-expired', 'every job of the queue whose claim has lapsed')
    .option('--worker <id>', "every job this worker id holds (a crashed worker's jobs)")
    .option('--force', 'release live claims too')
    .option('--json', 'print the ids as JSON')
    .action((options) => run(jobsReleaseCommand(options)))

  command(program, 'enqueue')
    .description('Add one job to a queue and print its id.')
    .addOption(dbOption())
    .addOption(driverOption())
    .requiredOption('--queue <name>', 'the queue')
    .option('--payload <json>', "the job's payload as JSON text, or - to read it from stdin", readPayload, null)
    .option('--priority <n>', 'higher runs first', integer())
    .option('--delay <seconds>', 'run no earlier than this many seconds from now', integer({ min: 0 }))
    .option('--max-attempts <n>', 'executions allowed before the job is dead-lettered (default 3)', integer({ min: 1 }))
    .option('--expires <seconds>', 'drop the job to the dead letters if it has not run within this many seconds', integer({ min: 1 }))
    .option('--create', CREATE_HELP)
    .option('--json', 'print {"id","queue"} as JSON')
    .addHelpText('after', examples(
      "honker enqueue --db app.db --queue emails --payload '{\"to\":\"a@example.com\"}'",
      'echo \'{"to":"b@example.com"}\' | honker enqueue --db app.db --queue emails --payload - --priority 5 --delay 60',
    ))
    .action((options) => run(enqueueCommand(options)))

  command(program, 'tail')
    .description('Print notifications on a channel, or events of a stream, as JSON lines as they commit.')
    .addOption(dbOption())
    .addOption(driverOption())
    .option('--channel <name>', 'a notify/listen channel (only notifications sent from now on)')
    .option('--stream <topic>', 'a durable stream topic')
    .option('--from <offset>', 'stream only: start after this offset (0 = from the beginning; default: only new events)', integer({ min: 0 }))
    .option('--consumer <name>', "stream only: follow as this consumer, resuming from and saving its offset")
    .option('--limit <n>', 'exit after printing this many', integer({ min: 0 }))
    .option('--create', CREATE_HELP)
    .addHelpText('after', examples(
      'honker tail --db app.db --channel orders',
      'honker tail --db app.db --stream orders --from 0',
      'honker tail --db app.db --stream orders --consumer audit-log',
    ))
    .action((options) => run(tailCommand(options)))

  const scheduler = command(program, 'scheduler').description('Run the scheduler that fires periodic tasks.')
  command(scheduler, 'run')
    .description('Fire due schedules (leader election: run it in several processes, one fires) until SIGINT/SIGTERM.')
    .addOption(dbOption())
    .addOption(driverOption())
    .option('--owner <name>', 'name this process in the leader lock (default: host:pid:random)')
    .option('--lock-ttl <seconds>', "how long the leader's lease lasts without renewal: how soon a standby takes over a dead leader (default 60)", integer({ min: 2 }))
    .option('--json', 'JSON lines even on a terminal (the default when stdout is not a terminal)')
    .option('--create', CREATE_HELP)
    .addHelpText('after', examples('honker scheduler run --db app.db'))
    .action((options) => run(schedulerRunCommand(options)))

  command(program, 'dashboard')
    .description('Serve the web dashboard (queues, jobs, dead letters, streams, schedules, live) until SIGINT/SIGTERM.')
    .addOption(dbOption())
    .addOption(driverOption())
    .option('--port <n>', 'the port to listen on (0: any free port)', integer({ min: 0, max: 65_535 }), 4000)
    .option('--host <address>', 'the address to listen on; anything but loopback is reachable from other machines', '127.0.0.1')
    .addOption(new Option('--token <secret>', 'allow actions (retry, delete, pause, run now) to browsers that open /login?token=<secret>, or send it as a Bearer token; without it the dashboard is read-only').env('HONKER_DASHBOARD_TOKEN'))
    .addHelpText('after', examples('honker dashboard --db app.db', 'HONKER_DASHBOARD_TOKEN=$(openssl rand -hex 16) honker dashboard --db app.db --port 4000'))
    .action((options) => run(dashboardCommand(options)))

  return program
}

/**
 * Run the command line `argv` (as in `process.argv`); resolves with the exit code. Errors are
 * printed here as one line, `honker: <message> (<code>)`, with the stack under `--verbose`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const verbose = argv.includes('--verbose')
  // Before anything is written: a closed stdout becomes a graceful stop, not an EPIPE crash.
  watchStdout()
  let exitCode = EXIT_OK
  let failedCommand = 'honker'
  const program = buildProgram((code) => (exitCode = code), verbose, (command) => (failedCommand = command))
  try {
    await program.parseAsync([...argv])
    // A short command whose output was cut off (`honker dead list | head -1`) did its work, but
    // not all of it reached the reader: say so rather than exit 0.
    const failed = stdoutFailure()
    if (failed !== null) throw outputClosedError(failed, 'output was cut short')
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK
      // `honker` or `honker dead` alone: the help went to stderr; it is a usage error all the same.
      if (error.code === 'commander.help') return EXIT_USAGE
      const message = error.message.replace(/^error: /, '')
      process.stderr.write(`honker: ${message}; see '${failedCommand} --help' (usage)\n`)
      return EXIT_USAGE
    }
    process.stderr.write(`${formatError(error, verbose)}\n`)
    return describeError(error).exitCode
  }
}
