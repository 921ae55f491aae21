// pnpm --filter @honker/postgres soak [jobs] [workers] [handler ms]: the full chaos soak (default
// 100,000 jobs over 4 worker processes, handlers sleeping 0 to 4 ms). Prints the figures as JSON; docs/reliability.md records them.
import { runChaos } from './chaos.mjs'

const jobs = Number(process.argv[2] ?? 100_000)
const workers = Number(process.argv[3] ?? 4)
const handlerMs = Number(process.argv[4] ?? 4)
const result = await runChaos({ jobs, workers, handlerMs, log: (line) => console.error(line) })
console.log(JSON.stringify(result, null, 2))
const ok = result.lost === 0 && result.unexplainedDuplicates === 0 && result.uncodedErrors === 0 && result.chaos.unexpectedExits === 0
process.exit(ok ? 0 : 1)
