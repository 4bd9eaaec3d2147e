// Reads a Cucumber Messages NDJSON file with Cucumber's own libraries:
// every line through @cucumber/messages' parseEnvelope, all of them into
// @cucumber/query's Query (which resolves every reference between
// messages), and the stream through @cucumber/html-formatter. Prints what
// Query found as one JSON object, for vaultcheck's test to compare with
// results.json; exits 1 on anything Cucumber's libraries reject.
import { readFileSync, writeFileSync } from 'node:fs'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseEnvelope } from '@cucumber/messages'
import { Query } from '@cucumber/query'
import { CucumberHtmlStream } from '@cucumber/html-formatter'

const [file, htmlOut] = process.argv.slice(2)
if (!file) {
  console.error('usage: node check.mjs MESSAGES.ndjson [REPORT.html]')
  process.exit(2)
}
const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '')
const envelopes = lines.map((l, i) => {
  try {
    return parseEnvelope(l)
  } catch (e) {
    console.error(`${file}:${i + 1}: not a Cucumber message: ${e.message}`)
    process.exit(1)
  }
})
const query = new Query()
for (const e of envelopes) {
  query.update(e)
}
const statuses = {}
const cases = []
for (const started of query.findAllTestCaseStarted()) {
  const result = query.findMostSevereTestStepResultBy(started)
  const pickle = query.findPickleBy(started)
  if (!pickle) {
    console.error(`testCaseStarted ${started.id}: no pickle found for it`)
    process.exit(1)
  }
  const status = result ? result.status : 'UNKNOWN'
  statuses[status] = (statuses[status] || 0) + 1
  const location = query.findLocationOf(pickle)
  const steps = query.findTestStepsFinishedBy(started).length
  const attachments = query.findTestStepsStartedBy(started)
    .map((s) => query.findAttachmentsBy(s).length)
    .reduce((a, b) => a + b, 0)
  cases.push({ name: pickle.name, uri: pickle.uri, line: location ? location.line : 0, status, steps, attachments })
}
const finished = query.findTestRunFinished()
const html = []
await pipeline(
  Readable.from(envelopes),
  new CucumberHtmlStream(),
  new Writable({ write (chunk, _enc, cb) { html.push(chunk); cb() } })
)
if (htmlOut) {
  writeFileSync(htmlOut, html.join(''))
}
console.log(JSON.stringify({
  envelopes: envelopes.length,
  pickles: query.findAllPickles().length,
  testCasesStarted: query.countTestCasesStarted(),
  statuses,
  success: finished ? finished.success : null,
  stepDefinitions: query.findAllStepDefinitions().length,
  htmlBytes: html.reduce((n, c) => n + c.length, 0),
  cases
}))
