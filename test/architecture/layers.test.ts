import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
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
  ['errors.ts', 'interrupt.ts', 'progress', 'redact-url.ts', 'version.ts'],
]

const SRC = resolve(__dirname, '..', '..', 'src')

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return filesUnder(path)
    return /\.ts$/.test(name) ? [path] : []
  })
}

/** The top-level entry of `root` a file belongs to: its folder, or itself for a file at the top. */
function unitOf(file: string, root = SRC): string {
  return relative(root, file).split(sep)[0]
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

function resolveImport(file: string, specifier: string, root = SRC): string {
  const base = resolve(dirname(file), specifier)
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // try the next form
    }
  }
  throw new Error(`${relative(root, file)} imports ${specifier}, which does not exist`)
}

/** `file → specifier (lower is below upper)` for every import of a file under `root` that runs up a layer. */
function upwardImports(root: string): string[] {
  const upward: string[] = []
  for (const file of filesUnder(root)) {
    const from = unitOf(file, root)
    for (const specifier of importsOf(file)) {
      const to = unitOf(resolveImport(file, specifier, root), root)
      if (layerOf(to) < layerOf(from)) upward.push(`${relative(root, file)} → ${specifier} (${from} is below ${to})`)
    }
  }
  return upward
}

describe('the layers of src/', () => {
  const files = filesUnder(SRC)

  it('every top-level folder and file of src/ has a layer', () => {
    for (const file of files) expect(() => layerOf(unitOf(file))).not.toThrow()
  })

  it('no file imports from a layer above its own', () => {
    expect(upwardImports(SRC)).toEqual([])
  })

  it('the check finds upward imports of every form, and allows same-layer and downward ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'cmaam-layers-'))
    try {
      const write = (path: string, text: string): void => {
        mkdirSync(dirname(join(root, path)), {recursive: true})
        writeFileSync(join(root, path), text)
      }
      write('io/read.ts', "import type {X} from '../hub/types'\nexport const a = 1\n")
      write('hub/types.ts', "export type X = number\nexport {b} from '../merge/b'\n")
      write('merge/b.ts', "import {a} from '../io/read'\nimport {c} from './c'\nexport const b = a + c\n")
      write('merge/c.ts', "export const c = require('../onnx/d').d\n")
      write('onnx/d.ts', "export const d = 1\nexport const later = () => import('../api/e')\n")
      write('api/e.ts', "import {b} from '../merge/b'\nexport const e = b\n")
      expect(upwardImports(root).sort()).toEqual([
        'hub/types.ts → ../merge/b (hub is below merge)',
        'io/read.ts → ../hub/types (io is below hub)',
        'onnx/d.ts → ../api/e (onnx is below api)',
      ])
    } finally {
      rmSync(root, {recursive: true, force: true})
    }
  })
})
