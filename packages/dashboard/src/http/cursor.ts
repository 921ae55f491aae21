import type { JobListState } from '../data/model.ts'
import { HttpError } from './errors.ts'

/**
 * Keyset pagination: a page is "the next `limit` jobs after id N" (an index seek, never an
 * OFFSET), and the cursor is that id with the state it belongs to, opaque in the URL.
 */
export function encodeCursor(state: JobListState, afterId: number): string {
  return Buffer.from(`${state}:${afterId}`).toString('base64url')
}

export function decodeCursor(cursor: string | undefined, state: JobListState): number {
  if (cursor === undefined || cursor === '') return 0
  const match = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? /^(pending|delayed|processing|dead):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString()) : null
  if (match === null) throw new HttpError(400, 'bad_cursor', 'malformed pagination cursor: use the "next page" link the dashboard gives')
  if (match[1] !== state) throw new HttpError(400, 'bad_cursor', `the cursor belongs to the ${match[1]} list, not ${state}`)
  return Number(match[2])
}
