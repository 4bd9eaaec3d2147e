// check.mjs runs Cucumber's own language service over a project the way the
// Cucumber Language Server does for an editor (its reindex: the features and
// glue found by the globs of .vscode/settings.json, the parameter types of
// that file, the suggestions index), and reports what an editor would show,
// as JSON on stdout. It asserts nothing: check_test.go holds the checks,
// beside the step table they are about.
//
// Input, as JSON on stdin:
//   { "root": "/abs/project",
//     "probes": [ { "name": "...", "text": "Feature: ...",
//                   "completions": [ { "line": 2, "character": 20 } ] } ],
//     "compose": { "header": "Feature: ...\n  Scenario: ...\n",
//                  "steps": [ { "keyword": "Given", "typed": "Alice is a reg",
//                               "pick": "{user} is a registered user",
//                               "choices": ["Alice"], "after": ["  | a | b |"] } ] } }
// Output: { "expressions", "errors", "parameterTypes", "features",
//           "suggestions", "probes", "composed" }.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin'
import {
  buildSuggestions,
  ExpressionBuilder,
  getGherkinCompletionItems,
  getGherkinDiagnostics,
  getStepDefinitionLocationLinks,
  jsSearchIndex,
} from '@cucumber/language-service'
import { WasmParserAdapter } from '@cucumber/language-service/wasm'
import { IdGenerator } from '@cucumber/messages'

const here = path.dirname(fileURLToPath(import.meta.url))

function readStdin() {
  return JSON.parse(fs.readFileSync(0, 'utf8'))
}

// globToRegExp understands the globs of the settings: ** (any folders), *
// (any name part), literal text.
function globToRegExp(glob) {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*'
      i += glob[i + 2] === '/' ? 2 : 1
    } else if (c === '*') {
      re += '[^/]*'
    } else {
      re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    }
  }
  return new RegExp('^' + re + '$')
}

function walk(dir, rel = '') {
  const out = []
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...walk(dir, r))
    else out.push(r)
  }
  return out
}

function find(root, globs) {
  const res = globs.map(globToRegExp)
  return walk(root)
    .filter((f) => res.some((re) => re.test(f)))
    .sort()
}

const input = readStdin()
const root = input.root
const settings = JSON.parse(fs.readFileSync(path.join(root, '.vscode', 'settings.json'), 'utf8'))
const featureGlobs = settings['cucumber.features']
const glueGlobs = settings['cucumber.glue']
const parameterTypes = settings['cucumber.parameterTypes'] || []

const adapter = new WasmParserAdapter(path.join(here, 'node_modules', '@cucumber', 'language-service', 'dist'))
await adapter.init()
const builder = new ExpressionBuilder(adapter)

const uri = (rel) => pathToFileURL(path.join(root, rel)).href
const glueSources = find(root, glueGlobs)
  .filter((f) => f.endsWith('.go'))
  .map((f) => ({ languageName: 'go', uri: uri(f), content: fs.readFileSync(path.join(root, f), 'utf8') }))
const result = builder.build(glueSources, parameterTypes)
const links = result.expressionLinks
const expressions = links.map((l) => l.expression)

const featureFiles = find(root, featureGlobs).filter((f) => f.endsWith('.feature'))
const stepTexts = []
const features = featureFiles.map((f) => {
  const src = fs.readFileSync(path.join(root, f), 'utf8')
  const lines = src.split(/\r?\n/)
  const diagnostics = getGherkinDiagnostics(src, expressions).map((d) => ({
    line: d.range.start.line + 1,
    message: d.message,
  }))
  // Go to definition from every step line, as an editor asks it.
  const parser = new Parser(new AstBuilder(IdGenerator.incrementing()), new GherkinClassicTokenMatcher())
  let doc
  const steps = []
  const pickleSteps = []
  try {
    doc = parser.parse(src)
    const walkSteps = (list) => {
      for (const st of list || []) {
        const found = getStepDefinitionLocationLinks(src, { line: st.location.line - 1, character: st.location.column + st.keyword.length }, links)
        steps.push({ line: st.location.line, text: st.text, links: found.map((l) => linkInfo(l)) })
        stepTexts.push(st.text)
      }
    }
    for (const ch of doc.feature?.children || []) {
      if (ch.background) walkSteps(ch.background.steps)
      if (ch.scenario) walkSteps(ch.scenario.steps)
      for (const rc of ch.rule?.children || []) {
        if (rc.background) walkSteps(rc.background.steps)
        if (rc.scenario) walkSteps(rc.scenario.steps)
      }
    }
    // The steps as they run: outlines expanded, each text matched against
    // every expression.
    for (const p of compile(doc, f, IdGenerator.incrementing())) {
      for (const s of p.steps) {
        pickleSteps.push({ text: s.text, matches: expressions.filter((e) => e.match(s.text)).map((e) => e.source) })
      }
    }
  } catch (err) {
    diagnostics.push({ line: 0, message: `parse: ${err.message}` })
  }
  return { file: f, lines: lines.length, diagnostics, steps, pickleSteps }
})

function linkInfo(l) {
  const target = links.find(
    (x) =>
      x.locationLink.targetUri === l.targetUri &&
      x.locationLink.targetSelectionRange.start.line === l.targetSelectionRange.start.line,
  )
  return {
    uri: l.targetUri,
    line: l.targetSelectionRange.start.line + 1,
    rangeStart: l.targetRange.start.line + 1,
    expression: target ? target.expression.source : '',
  }
}

// The suggestions index, as the server builds it after each reindex.
const suggestions = buildSuggestions(result.registry, stepTexts, expressions)
const index = jsSearchIndex(suggestions)

function completions(text, pos) {
  return getGherkinCompletionItems(text, pos, index).map((i) => ({ label: i.label, newText: i.textEdit.newText, range: i.textEdit.range }))
}

const probes = (input.probes || []).map((p) => ({
  name: p.name,
  diagnostics: getGherkinDiagnostics(p.text, expressions).map((d) => ({ line: d.range.start.line + 1, message: d.message })),
  completions: (p.completions || []).map((pos) => completions(p.text, pos)),
}))

// expandSnippet writes a completion's snippet as an editor does when each
// placeholder is given one of its choices: the wanted one, or the first.
function expandSnippet(snippet, want) {
  let k = 0
  const problems = []
  const text = snippet.replace(/\$\{(\d+)\|((?:[^|\\]|\\.)*)\|\}/g, (_, n, body) => {
    const choices = body.split(/(?<!\\),/).map((c) => c.replace(/\\(.)/g, '$1'))
    const wanted = want && k < want.length ? want[k] : undefined
    k++
    if (wanted === undefined) return choices[0]
    if (!choices.includes(wanted)) problems.push(`placeholder ${n}: ${JSON.stringify(wanted)} is not offered (${JSON.stringify(choices)})`)
    return wanted
  })
  return { text, problems }
}

let composed
if (input.compose) {
  let doc = input.compose.header
  const problems = []
  for (const st of input.compose.steps) {
    const prefix = `    ${st.keyword} `
    const line = doc.split('\n').length - 1
    const draft = doc + prefix + st.typed + '\n'
    const items = completions(draft, { line, character: prefix.length + st.typed.length })
    const item = items.find((i) => i.label === st.pick)
    if (!item) {
      problems.push(`${JSON.stringify(st.typed)}: no completion ${JSON.stringify(st.pick)} among ${JSON.stringify(items.map((i) => i.label))}`)
      doc = draft
    } else {
      const { text, problems: p } = expandSnippet(item.newText, st.choices)
      problems.push(...p.map((m) => `${JSON.stringify(st.pick)}: ${m}`))
      doc += prefix + text + '\n'
    }
    for (const l of st.after || []) doc += l + '\n'
  }
  composed = { text: doc, problems }
}

process.stdout.write(
  JSON.stringify({
    expressions: links.map((l) => ({ source: l.expression.source, uri: l.locationLink.targetUri, line: l.locationLink.targetSelectionRange.start.line + 1 })),
    errors: result.errors.map((e) => e.message),
    parameterTypes: parameterTypes.length,
    features,
    suggestions: suggestions.map((s) => ({ label: s.label, matched: s.matched })),
    probes,
    composed,
  }),
)
