export { defineBehaviourSuite } from './suite.ts'
export { manualClock, type EngineHarness, type AnyDatabase, type ManualClock } from './harness.ts'
