import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

const ROOT = join(__dirname, '..', '..')
const FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')

interface ManifestCommand {
  flags: Record<string, {char?: string; allowNo?: boolean; type: string}>
}
/** cmaam's commands and those of the plugins it ships (`plugins install`, `help`). */
const MANIFESTS = ['oclif.manifest.json', 'node_modules/@oclif/plugin-plugins/oclif.manifest.json', 'node_modules/@oclif/plugin-help/oclif.manifest.json']
const COMMANDS = new Map(
  MANIFESTS.flatMap((file) => Object.entries((JSON.parse(read(file)) as {commands: Record<string, ManifestCommand>}).commands)).map(([id, c]) => [id.split(':').join(' '), c]),
)
/** Flags every command takes (oclif's help, and the base command's). */
const GLOBAL = new Set(['help', 'h'])

/** Every `cmaam …` command line: in code blocks (continuations joined) and in inline code. */
function commandLines(text: string): string[] {
  const lines: string[] = []
  const blocks = [...text.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1].replace(/\\\n\s*/g, ' '))
  for (const block of blocks) for (const line of block.split('\n')) lines.push(...line.split(/&&|\|\||;|\|/).map((part) => part.trim()))
  const outside = text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '')
  for (const m of outside.matchAll(/`([^`\n]+)`/g)) lines.push(m[1].trim())
  return lines.map((line) => line.replace(/\s+#.*$/, '').replace(/^\$\s*/, '').replace(/^(npx |node bin\/run\.js )/, 'cmaam ')).filter((line) => /^cmaam\s+[a-z]/.test(line))
}

/** The command of a line (longest match of its leading words) and the flags it uses. */
function parse(line: string): {id: string | null; flags: string[]} {
  const words = line.split(/\s+/).slice(1)
  let id: string | null = null
  for (let n = Math.min(words.length, 3); n > 0 && id === null; n--) {
    const candidate = words.slice(0, n).join(' ')
    if (COMMANDS.has(candidate)) id = candidate
  }
  const flags = words.filter((w) => /^--?[A-Za-z]/.test(w)).map((w) => w.replace(/=.*$/, '').replace(/[,.;:)'"`]+$/, ''))
  return {id, flags}
}

describe('the docs, as a newcomer reads them', () => {
  const lines = FILES.flatMap((file) => commandLines(read(file)).map((line) => ({file, line})))

  test('there are command lines to check', () => {
    expect(lines.length).toBeGreaterThan(30)
  })

  test('every `cmaam …` command line names a command, and every flag it uses exists on that command', () => {
    const problems: string[] = []
    for (const {file, line} of lines) {
      const {id, flags} = parse(line)
      // `cmaam <command>`, `cmaam COMMAND --help`: placeholders, not commands.
      if (id === null) {
        if (!/^cmaam\s+[<[A-Z]/.test(line) && !/^cmaam --/.test(line)) problems.push(`${file}: unknown command in \`${line}\``)
        continue
      }
      const command = COMMANDS.get(id)!
      const names = new Set(Object.keys(command.flags))
      const chars = new Set(Object.values(command.flags).flatMap((f) => (f.char ? [f.char] : [])))
      for (const flag of flags) {
        const ok = flag.startsWith('--')
          ? names.has(flag.slice(2)) || GLOBAL.has(flag.slice(2)) || (flag.startsWith('--no-') && command.flags[flag.slice(5)]?.allowNo === true)
          : [...flag.slice(1)].every((c) => chars.has(c) || GLOBAL.has(c))
        if (!ok) problems.push(`${file}: \`cmaam ${id}\` has no flag ${flag} (in \`${line}\`)`)
      }
    }
    expect(problems).toEqual([])
  })

  test('every relative link resolves, anchors included', () => {
    const slug = (heading: string): string =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-')
    const anchors = (file: string): Set<string> => new Set([...read(file).replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1].replace(/`/g, ''))))
    const problems: string[] = []
    for (const file of FILES) {
      const text = read(file).replace(/^```[\s\S]*?^```/gm, '')
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]
        if (/^[a-z]+:/i.test(target)) continue
        const [path, anchor] = target.split('#')
        const resolved = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path)
        if (!existsSync(resolved)) {
          problems.push(`${file}: ${target} does not exist`)
          continue
        }
        if (anchor && resolved.endsWith('.md') && !anchors(resolved.slice(ROOT.length + 1)).has(anchor)) problems.push(`${file}: ${target} names no heading of ${path || file}`)
      }
    }
    expect(problems).toEqual([])
  })
})
