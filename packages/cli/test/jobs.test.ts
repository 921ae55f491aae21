import { describe, expect, it } from 'vitest'
import Sqlite from 'better-sqlite3'
import { open } from '@honker/core'
import { onCleanup, runCli, tempDbPath } from './helpers.ts'

interface Fixture {
  file: string
  /** Claimed by crashed-worker, claim lapsed a minute ago. */
  expired: number
  /** Claimed by crashed-worker, claim live. */
  crashedLive: number
  /** Claimed by alive-worker, claim live. */
  alive: number
  pending: number
  delayed: number
  /** A pending job of the `reports` queue. */
  report: number
}

function fixture(): Fixture {
  const file = tempDbPath()
  const db = open(file)
  try {
    const emails = db.queue('emails')
    const [expired, crashedLive, alive, pending] = emails.enqueueMany([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]) as number[]
    const delayed = emails.enqueue({ n: 5 }, { delayS: 3600 })
    const report = db.queue('reports').enqueue({ r: 1 })
    expect(emails.claimOne('crashed-worker')!.id).toBe(expired)
    expect(emails.claimOne('crashed-worker')!.id).toBe(crashedLive)
    expect(emails.claimOne('alive-worker')!.id).toBe(alive)
    return { file, expired: expired!, crashedLive: crashedLive!, alive: alive!, pending: pending!, delayed, report }
  } finally {
    db.close()
  }
}

/** Make a claim lapse, as it does when its worker died `agoS` seconds past its visibility timeout. */
function lapse(file: string, id: number, agoS = 60): void {
  const connection = new Sqlite(file)
  connection.prepare('UPDATE _honker_live SET claim_expires_at = unixepoch() - ? WHERE id = ?').run(agoS, id)
  connection.close()
}

function rows(file: string): Record<string, unknown>[] {
  const connection = new Sqlite(file, { readonly: true })
  onCleanup(() => connection.close())
  return connection.prepare('SELECT id, queue, state, worker_id, claim_expires_at, attempts FROM _honker_live ORDER BY id').all() as Record<string, unknown>[]
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trimEnd().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('honker jobs list', () => {
  it('lists live jobs of every queue as JSON lines, with worker, attempts and claim expiry', async () => {
    const f = fixture()
    lapse(f.file, f.expired)
    const now = Math.floor(Date.now() / 1000)
    const result = await runCli(['jobs', 'list', '--db', f.file, '--json'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const jobs = jsonLines(result.stdout)
    expect(jobs.map((job) => job.id)).toEqual([f.expired, f.crashedLive, f.alive, f.pending, f.delayed, f.report])
    expect(jobs[0]).toEqual({
      id: f.expired, queue: 'emails', state: 'processing', workerId: 'crashed-worker', attempts: 1, maxAttempts: 3,
      priority: 0, runAt: expect.any(Number), claimExpiresAt: expect.any(Number), claimExpired: true,
      createdAt: expect.any(Number), expiresAt: null, payload: { n: 1 },
    })
    expect(jobs[0]!.claimExpiresAt as number).toBeLessThan(now)
    expect(jobs[1]).toMatchObject({ state: 'processing', workerId: 'crashed-worker', claimExpired: false })
    expect(jobs[3]).toMatchObject({ id: f.pending, state: 'pending', workerId: null, attempts: 0, claimExpiresAt: null, claimExpired: null })
    expect(jobs[4]).toMatchObject({ id: f.delayed, state: 'delayed' })
    expect(jobs[5]).toMatchObject({ id: f.report, queue: 'reports', state: 'pending' })
  })

  it('filters by --queue and --state, prints a table for a person, and pages with --after-id', async () => {
    const f = fixture()
    lapse(f.file, f.expired, 125)
    const table = await runCli(['jobs', 'list', '--db', f.file, '--queue', 'emails', '--state', 'processing'])
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^id\s+queue\s+state\s+attempts\s+worker\s+claim expires\s+payload$/)
    expect(lines.slice(1)).toHaveLength(3)
    expect(lines[1]).toMatch(new RegExp(`^\\s*${f.expired}\\s+emails\\s+processing\\s+1/3\\s+crashed-worker\\s+expired 2m 0\\ds ago\\s+\\{"n":1\\}$`))
    expect(lines[2]).toMatch(new RegExp(`^\\s*${f.crashedLive}\\s+emails\\s+processing\\s+1/3\\s+crashed-worker\\s+in (4m \\d\\ds|5m 00s)\\s+\\{"n":2\\}$`))

    const delayed = await runCli(['jobs', 'list', '--db', f.file, '--state', 'delayed'])
    expect(delayed.stdout).toMatch(new RegExp(`^\\s*${f.delayed}\\s+emails\\s+delayed \\(in (59m \\d\\ds|1h 00m)\\)\\s+0/3\\s+-\\s+-\\s+\\{"n":5\\}$`, 'm'))
    const pending = jsonLines((await runCli(['jobs', 'list', '--db', f.file, '--state', 'pending', '--json'])).stdout)
    expect(pending.map((job) => job.id)).toEqual([f.pending, f.report])

    const page = await runCli(['jobs', 'list', '--db', f.file, '--limit', '2'])
    expect(page.stdout).toContain(`2 shown; next page: --after-id ${f.crashedLive}`)
    const next = jsonLines((await runCli(['jobs', 'list', '--db', f.file, '--json', '--after-id', String(f.crashedLive)])).stdout)
    expect(next.map((job) => job.id)).toEqual([f.alive, f.pending, f.delayed, f.report])

    const empty = await runCli(['jobs', 'list', '--db', f.file, '--queue', 'nothing-here'])
    expect(empty).toMatchObject({ code: 0, stdout: 'no live jobs in queue nothing-here\n' })
  })

  it('rejects a bad --state as a usage error', async () => {
    const f = fixture()
    const result = await runCli(['jobs', 'list', '--db', f.file, '--state', 'dead'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^honker: option '--state <state>' argument 'dead' is invalid\. Allowed choices are processing, pending, delayed\.; see 'honker jobs list --help' \(usage\)\n$/)
  })
})

describe('honker jobs release', () => {
  it('--id puts a lapsed claim back to pending with its attempt given back; a worker claims it again', async () => {
    const f = fixture()
    lapse(f.file, f.expired)
    const result = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--id', String(f.expired)])
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: `released 1 job(s) back to queue emails as pending: ${f.expired}\n` })
    expect(rows(f.file).find((row) => row.id === f.expired)).toEqual({
      id: f.expired, queue: 'emails', state: 'pending', worker_id: null, claim_expires_at: null, attempts: 0,
    })
    const db = open(f.file)
    onCleanup(() => db.close())
    const job = db.queue('emails').claimOne('next-worker')!
    expect(job).toMatchObject({ id: f.expired, attempts: 1 })
  })

  it('refuses a live claim without --force, and releases it with --force', async () => {
    const f = fixture()
    const before = rows(f.file)
    const refused = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--id', String(f.crashedLive), String(f.alive)])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(new RegExp(
      `^honker: job\\(s\\) ${f.crashedLive}, ${f.alive} of queue emails have a live claim \\(worker crashed-worker, alive-worker; expires in (4m \\d\\ds|5m 00s)\\) and may still be running: pass --force to release them anyway; nothing was changed \\(claim_live\\)\\n$`,
    ))
    expect(rows(f.file)).toEqual(before)

    const forced = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--id', `${f.crashedLive},${f.alive}`, '--force', '--json'])
    expect(forced.code).toBe(0)
    expect(JSON.parse(forced.stdout)).toEqual({ queue: 'emails', released: [f.crashedLive, f.alive] })
    for (const id of [f.crashedLive, f.alive]) {
      expect(rows(f.file).find((row) => row.id === id)).toMatchObject({ state: 'pending', worker_id: null, attempts: 0 })
    }
  })

  it('changes nothing when an --id is not a processing job of the queue', async () => {
    const f = fixture()
    lapse(f.file, f.expired)
    const before = rows(f.file)
    const result = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--id', String(f.expired), String(f.pending), String(f.report), '999'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`honker: no processing job ${f.pending}, ${f.report}, 999 in queue emails; nothing was changed (job_not_found)\n`)
    expect(rows(f.file)).toEqual(before)
  })

  it('--worker releases that worker\'s claims (live ones with --force); --all-expired every lapsed claim of the queue', async () => {
    const f = fixture()
    lapse(f.file, f.expired)
    const refused = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--worker', 'crashed-worker'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(new RegExp(`^honker: job\\(s\\) ${f.crashedLive} of queue emails have a live claim \\(worker crashed-worker; .*\\(claim_live\\)\\n$`))
    expect(rows(f.file).find((row) => row.id === f.expired)).toMatchObject({ state: 'processing' })

    const expired = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--all-expired'])
    expect(expired).toMatchObject({ code: 0, stdout: `released 1 job(s) back to queue emails as pending: ${f.expired}\n` })
    const none = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--all-expired'])
    expect(none).toMatchObject({ code: 0, stdout: 'no lapsed claims in queue emails\n' })

    const forced = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--worker', 'crashed-worker', '--force'])
    expect(forced).toMatchObject({ code: 0, stdout: `released 1 job(s) back to queue emails as pending: ${f.crashedLive}\n` })
    const nothing = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', '--worker', 'crashed-worker'])
    expect(nothing).toMatchObject({ code: 0, stdout: 'no processing jobs of worker crashed-worker in queue emails\n' })
    // alive-worker's job was never touched.
    expect(rows(f.file).filter((row) => row.state === 'processing').map((row) => row.id)).toEqual([f.alive])
  })

  it('reports command-line mistakes as one usage line and changes nothing', async () => {
    const f = fixture()
    const before = rows(f.file)
    const cases: [string[], RegExp][] = [
      [[], /^honker: say which jobs: --id N \[N \.\.\.\], --all-expired or --worker ID \(usage\)$/],
      [['--id', '1', '--all-expired'], /^honker: give one of --id, --all-expired or --worker \(usage\)$/],
      [['--worker', 'w', '--all-expired'], /^honker: give one of --id, --all-expired or --worker \(usage\)$/],
      [['--all-expired', '--force'], /^honker: --force applies to --id and --worker; --all-expired only releases lapsed claims \(usage\)$/],
      [['--id', 'x'], /argument 'x' is invalid\. expected a whole number.*\(usage\)$/],
    ]
    for (const [extra, expected] of cases) {
      const result = await runCli(['jobs', 'release', '--db', f.file, '--queue', 'emails', ...extra])
      expect(result.code, extra.join(' ')).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(result.stderr.trimEnd()).toMatch(expected)
    }
    expect((await runCli(['jobs', 'release', '--db', f.file, '--id', '1'])).stderr).toMatch(/required option '--queue <name>' not specified/)
    expect(rows(f.file)).toEqual(before)
  })
})
