import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { onCleanup, tempDbPath } from './helpers.ts'

function queueWithGroups(groupLimit: number) {
  const db = open(tempDbPath())
  onCleanup(() => db.close())
  const q = db.queue<string>('fair')
  q.setGroupConcurrency(groupLimit)
  return q
}

const payloads = (jobs: { payload: string }[]): string[] => jobs.map((job) => job.payload)

describe('the grouped claim (round-robin over groups)', () => {
  it('serves groups in turn, one claim at a time, the ungrouped jobs after the last group', () => {
    const q = queueWithGroups(10)
    for (const group of ['a', 'b', 'c']) q.enqueueMany([`${group}1`, `${group}2`], { group })
    q.enqueueMany(['u1', 'u2'])
    const order: string[] = []
    for (let i = 0; i < 8; i++) order.push(q.claimOne('w')!.payload)
    expect(order).toEqual(['a1', 'b1', 'c1', 'u1', 'a2', 'b2', 'c2', 'u2'])
    expect(q.claimOne('w')).toBeNull()
  })

  it('a batch takes every group\'s next job before any group\'s one after it, up to the group limit', () => {
    const q = queueWithGroups(2)
    q.enqueueMany(['big1', 'big2', 'big3', 'big4'], { group: 'big' })
    q.enqueue('small1', { group: 'small' })
    expect(payloads(q.claimBatch('w', 3))).toEqual(['big1', 'small1', 'big2'])
    // big is at its limit of 2, small has nothing left.
    expect(q.claimBatch('w', 3)).toEqual([])
  })

  it('a group whose jobs all finished drops out of the round without losing anyone\'s turn', () => {
    const q = queueWithGroups(1)
    q.enqueue('a1', { group: 'a' })
    q.enqueueMany(['b1', 'b2'], { group: 'b' })
    q.enqueueMany(['c1', 'c2'], { group: 'c' })
    const a1 = q.claimOne('w')!
    expect(a1.payload).toBe('a1')
    expect(a1.ack()).toBe(true) // group a is gone now
    const b1 = q.claimOne('w')!
    const c1 = q.claimOne('w')!
    expect([b1.payload, c1.payload]).toEqual(['b1', 'c1'])
    expect(q.claimOne('w')).toBeNull() // b and c are at their limit of 1
    expect(c1.ack()).toBe(true)
    expect(b1.ack()).toBe(true)
    expect(payloads(q.claimBatch('w', 5))).toEqual(['b2', 'c2'])
  })

  it('honours the priority and run_at order inside each group', () => {
    const q = queueWithGroups(5)
    q.enqueue('low', { group: 'g' })
    q.enqueue('high', { group: 'g', priority: 9 })
    q.enqueue('later', { group: 'g', priority: 9, delayS: 3600 })
    expect(payloads(q.claimBatch('w', 5))).toEqual(['high', 'low'])
  })
})
