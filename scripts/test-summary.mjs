// Prints one closing line for the whole run, "N passed, N failed", from each package's vitest JSON
// report; exits 1 if any test failed or no test ran at all.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'

let passed = 0
let failed = 0
let skipped = 0
for (const group of ['packages', 'examples', 'bench']) {
  if (!existsSync(group)) continue
  const dirs = group === 'bench' ? ['.'] : readdirSync(group)
  for (const dir of dirs) {
    const file = path.join(group, dir, 'test-results', 'vitest.json')
    if (!existsSync(file)) continue
    const report = JSON.parse(readFileSync(file, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + report.numTodoTests
    console.log(`${path.join(group, dir)}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`)
  }
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
