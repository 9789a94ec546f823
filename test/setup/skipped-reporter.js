/**
 * A jest reporter that names every skipped test at the end of the run: jest's default output only
 * counts them, and a skip's name says why it was skipped (e.g. `../shared is absent`).
 */
class SkippedReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.testResults.flatMap((file) => file.testResults.filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo').map((t) => `  ${file.testFilePath.replace(`${process.cwd()}/`, '')}: ${t.fullName}`))
    if (skipped.length > 0) process.stderr.write(`\n${skipped.length} skipped, and why:\n${skipped.join('\n')}\n`)
  }
}

module.exports = SkippedReporter
