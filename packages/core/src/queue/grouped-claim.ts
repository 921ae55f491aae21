import { GROUP_HEAD, NEXT_GROUP, RUNNING_BY_GROUP, UNGROUPED_HEAD } from './queue.sql.ts'
import { toNumber, type LiveJobTuple } from './job-row.ts'
import type { JobStore } from './job-store.ts'

/** Where each queue's round-robin over its groups stands, per database handle. */
const cursors = new WeakMap<JobStore, Map<string, Slot>>()

/** The place of the jobs without a group in the round: after the last group. */
const UNGROUPED = Symbol('ungrouped')
type Slot = string | typeof UNGROUPED

/**
 * The claim of a queue with a per-group limit on SQLite: a round-robin over its groups in key
 * order, from where this handle's last claim of the queue stopped. Each pass takes at most one job
 * per group that is under its limit, so every group's next job comes before any group's one after
 * it, and one tenant's 100,000 jobs cannot starve another's one. A group is one seek
 * (`_honker_live_group` in key order) and its head another, so a claim costs a few seeks however
 * deep any group's backlog is. Jobs without a group are a group of their own, visited once per
 * round (UNGROUPED_HEAD). Runs inside the claim's write transaction, so the counts cannot race.
 */
export function selectGrouped(store: JobStore, queue: string, now: number, limit: number, groupLimit: number): LiveJobTuple[] {
  const { executor } = store
  const running = new Map<string | null, number>()
  for (const row of executor.all<{ group_key: string | null; n: number | bigint }>(RUNNING_BY_GROUP, RUNNING_BY_GROUP.bind({ queue, now }))) {
    running.set(row.group_key, toNumber(row.n))
  }
  let byQueue = cursors.get(store)
  if (byQueue === undefined) cursors.set(store, (byQueue = new Map()))
  const picks: LiveJobTuple[] = []
  const taken = new Map<Slot, number>()
  const take = (slot: Slot): boolean => {
    const group = slot === UNGROUPED ? null : slot
    const before = taken.get(slot) ?? 0
    if (groupLimit - (running.get(group) ?? 0) - before <= 0) return false
    // The slot's (before + 1)th claimable job: the ones ahead of it were picked in earlier passes.
    const rows =
      group === null
        ? executor.allRaw<LiveJobTuple>(UNGROUPED_HEAD, UNGROUPED_HEAD.bind({ queue, now, limit: before + 1 }))
        : executor.allRaw<LiveJobTuple>(GROUP_HEAD, GROUP_HEAD.bind({ queue, now, group, limit: before + 1 }))
    const row = rows[before]
    if (row === undefined) return false
    picks.push(row)
    taken.set(slot, before + 1)
    return true
  }
  const nextSlot = (slot: Slot): Slot =>
    executor.get<{ group_key: string }>(NEXT_GROUP, NEXT_GROUP.bind({ queue, after: slot === UNGROUPED ? null : slot }))?.group_key ?? UNGROUPED

  let last: Slot = byQueue.get(queue) ?? UNGROUPED
  // One pass visits every group once, in key order after the last one served, then the
  // ungrouped jobs; passes repeat (a second job per group, ...) until the limit is met.
  for (let pass = 0; pass < groupLimit && picks.length < limit; pass++) {
    const passStart = last
    let found = false
    let slot = passStart
    let wrapped = passStart === UNGROUPED
    for (;;) {
      slot = nextSlot(slot)
      // Past where the pass began (that group finished meanwhile): this slot was visited already.
      if (slot !== UNGROUPED && wrapped && passStart !== UNGROUPED && slot > passStart) break
      if (take(slot)) {
        found = true
        last = slot
        if (picks.length >= limit) break
      }
      if (slot === UNGROUPED) {
        if (wrapped) break
        wrapped = true
        continue
      }
      if (wrapped && slot === passStart) break
    }
    if (!found) break
  }
  byQueue.set(queue, last)
  return picks
}
