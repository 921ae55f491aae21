// Closes a test run with what a CI log's tail must show: per package "N passed, N failed", every
// failed test with the start of its message, and one total line. Exits 1 if any test failed or no
// test ran at all. Reads each package's vitest JSON report (written by its vitest config).
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'

const MESSAGE_LINES = 12

export function reportFiles(root = '.') {
  const files = []
  for (const group of ['packages', 'examples', 'bench', 'tests']) {
    if (!existsSync(path.join(root, group))) continue
    // Directories only: a group may hold a README beside its packages (examples/README.md).
    const dirs = group === 'bench' ? ['.'] : readdirSync(path.join(root, group), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
    for (const dir of dirs) {
      files.push(path.join(root, group, dir, 'test-results', 'vitest.json'))
      // A package's runs on other drivers (vitest-<driver>.json), each its own line in the summary.
      const results = path.join(root, group, dir, 'test-results')
      if (!existsSync(results)) continue
      for (const name of readdirSync(results).sort()) {
        if (/^vitest-.+\.json$/.test(name)) files.push(path.join(results, name))
      }
    }
  }
  return files
}

function firstLines(text, count) {
  const lines = String(text).split('\n')
  return lines.slice(0, count).join('\n') + (lines.length > count ? `\n… (${lines.length - count} more lines)` : '')
}

export function summarize(root = '.') {
  let passed = 0
  let failed = 0
  let skipped = 0
  const failures = []
  for (const file of reportFiles(root)) {
    if (!existsSync(file)) continue
    const driver = /^vitest-(.+)\.json$/.exec(path.basename(file))?.[1]
    const where = path.relative(root, path.dirname(path.dirname(file))) + (driver ? ` on ${driver.replace('-', ':')}` : '')
    const report = JSON.parse(readFileSync(file, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + report.numTodoTests
    console.log(`${where}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`)
    for (const suite of report.testResults ?? []) {
      const suiteFile = path.relative(root, suite.name)
      const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed')
      for (const test of failedTests) {
        failures.push(`${suiteFile} > ${test.fullName}\n${firstLines((test.failureMessages ?? []).join('\n'), MESSAGE_LINES)}`)
      }
      // A file that failed to load or whose hooks failed has no failed test of its own to show.
      if (suite.status === 'failed' && failedTests.length === 0) {
        failed += 1
        failures.push(`${suiteFile} (the file itself failed)\n${firstLines(suite.message ?? '', MESSAGE_LINES)}`)
      }
    }
  }
  for (const failure of failures) console.log(`\nFAILED ${failure}`)
  console.log(`${failures.length > 0 ? '\n' : ''}${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
  return failed > 0 || passed === 0 ? 1 : 0
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(summarize())
