import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve, sep} from 'node:path'

/**
 * The layers of src/ (docs/architecture.md), top to bottom: a folder imports only from its own
 * layer and the layers below it. Top-level files are named with their extension.
 */
const LAYERS: string[][] = [
  ['index.ts'],
  ['commands', 'cli'],
  ['api'],
  ['experiment'],
  ['eval', 'merge', 'onnx', 'lora', 'data', 'inspect', 'example', 'report'],
  ['hub'],
  ['compute', 'models'],
  ['io'],
  ['errors.ts', 'interrupt.ts', 'progress', 'version.ts'],
]

const SRC = resolve(__dirname, '..', '..', 'src')

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return filesUnder(path)
    return /\.ts$/.test(name) ? [path] : []
  })
}

/** The top-level entry of src/ a file belongs to: its folder, or itself for a file at the top. */
function unitOf(file: string): string {
  return relative(SRC, file).split(sep)[0]
}

function layerOf(unit: string): number {
  const at = LAYERS.findIndex((layer) => layer.includes(unit))
  if (at < 0) throw new Error(`src/${unit} is in no layer: add it to LAYERS in test/architecture/layers.test.ts and to docs/architecture.md`)
  return at
}

/** Every relative module a file imports or requires (static, dynamic, type-only, re-exports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers = new Set<string>()
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) specifiers.add(match[1])
  return [...specifiers].filter((specifier) => specifier.startsWith('.'))
}

function resolveImport(file: string, specifier: string): string {
  const base = resolve(dirname(file), specifier)
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // try the next form
    }
  }
  throw new Error(`${relative(SRC, file)} imports ${specifier}, which does not exist`)
}

describe('the layers of src/', () => {
  const files = filesUnder(SRC)

  it('every top-level folder and file of src/ has a layer', () => {
    for (const file of files) expect(() => layerOf(unitOf(file))).not.toThrow()
  })

  it('no file imports from a layer above its own', () => {
    const upward: string[] = []
    for (const file of files) {
      const from = unitOf(file)
      for (const specifier of importsOf(file)) {
        const to = unitOf(resolveImport(file, specifier))
        if (layerOf(to) < layerOf(from)) upward.push(`${relative(SRC, file)} → ${specifier} (${from} is below ${to})`)
      }
    }
    expect(upward).toEqual([])
  })

  it('finds an upward import when there is one (the check itself)', () => {
    expect(layerOf('io')).toBeGreaterThan(layerOf('hub'))
    expect(importsOf(join(SRC, 'index.ts')).length).toBeGreaterThan(5)
  })
})
