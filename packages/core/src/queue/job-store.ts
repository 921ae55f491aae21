import type { Host } from '../host.ts'

/** What queue operations need from a database. @internal */
export type JobStore = Pick<Host, 'executor' | 'write' | 'assertOpen' | 'nowS'>
