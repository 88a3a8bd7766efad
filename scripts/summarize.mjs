// Adds up the suites' JSON reports (vitest, Playwright) into one line: "N passed, N failed".
// A report that is missing or unreadable counts as a failure of that suite.
import fs from "node:fs";

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  let r;
  try {
    r = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    console.error(`[weft] no report at ${file}: counting the suite as failed`);
    failed += 1;
    continue;
  }
  if (typeof r.numPassedTests === "number") {
    // vitest
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    if (r.numFailedTestSuites && !r.numFailedTests) failed += r.numFailedTestSuites;
  } else if (r.stats) {
    // Playwright
    passed += (r.stats.expected ?? 0) + (r.stats.flaky ?? 0);
    failed += r.stats.unexpected ?? 0;
    if ((r.errors ?? []).length && !r.stats.unexpected) failed += r.errors.length;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
