import { formatDuration, formatLocalTime, formatTable } from '../output.ts'
import type { Status } from './collect-status.ts'

/** `honker status` for a person: one aligned table per section. */
export function formatStatus(status: Status): string {
  const sections = [`Database ${status.database}`]

  if (status.queues.length === 0) sections.push('Queues: none')
  else {
    sections.push(
      'Queues\n' +
        formatTable(
          ['queue', 'pending', 'delayed', 'processing', 'dead', 'oldest pending'],
          status.queues.map((q) => [
            q.queue,
            q.pending,
            q.delayed,
            q.processing,
            q.dead,
            q.oldestPendingS === null ? '-' : formatDuration(q.oldestPendingS),
          ]),
        ),
    )
  }

  if (status.streams.length === 0) sections.push('Streams: none')
  else {
    const rows: (string | number)[][] = []
    for (const stream of status.streams) {
      if (stream.consumers.length === 0) rows.push([stream.topic, stream.events, stream.lastOffset, '-', '-', '-'])
      for (const consumer of stream.consumers) {
        rows.push([stream.topic, stream.events, stream.lastOffset, consumer.consumer, consumer.offset, consumer.lag])
      }
    }
    sections.push('Streams\n' + formatTable(['topic', 'events', 'last offset', 'consumer', 'offset', 'lag'], rows))
  }

  if (status.schedules.length === 0) sections.push('Schedules: none')
  else {
    const leader = status.schedulerLeader
    const title =
      leader === null
        ? 'Schedules (no scheduler running: run `honker scheduler run` or db.scheduler().run() somewhere)'
        : `Schedules (leader ${leader.owner}, lease ${formatDuration(leader.expiresAt - status.now)} left)`
    sections.push(
      `${title}\n` +
        formatTable(
          ['name', 'queue', 'schedule', 'next fire', 'state'],
          status.schedules.map((s) => [
            s.name,
            s.queue,
            s.schedule,
            `${formatLocalTime(s.nextFireAt)} (${relative(s.nextFireAt - status.now)})`,
            s.paused ? 'paused' : 'active',
          ]),
        ),
    )
  }
  return sections.join('\n\n')
}

function relative(deltaS: number): string {
  if (deltaS > 0) return `in ${formatDuration(deltaS)}`
  if (deltaS === 0) return 'due now'
  return `due ${formatDuration(-deltaS)} ago`
}
