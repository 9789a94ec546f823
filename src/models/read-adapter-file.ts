import {readFile} from 'node:fs/promises'
import {extname, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {parseYaml, YamlSyntaxError, type YamlNode} from '../io/parse-yaml'
import {createAdapter} from './create-adapter'
import type {ModelTypeAdapter} from './types'
import {AdapterDefinitionError, type DefinitionKey} from './validate-definition'
import {parseJson} from '../io/parse-json'

const HINT = 'An adapter file holds one definition: name, title, modelTypes, architectures, signatures and rules (see docs/adapters.md).'

/**
 * Reads a declarative adapter (`--adapter FILE`): JSON (`.json`) or YAML (anything else), with
 * the fields of an AdapterDefinition. Errors name the file, the line (YAML) and the key at fault.
 */
export async function readAdapterFile(path: string): Promise<ModelTypeAdapter> {
  const file = resolve(path)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new CmaamError(`Cannot read the adapter file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {hint: HINT})
  }

  let value: unknown
  let lineOf: (key: DefinitionKey) => number | null = () => null
  if (extname(file).toLowerCase() === '.json') {
    try {
      value = parseJson(text)
    } catch (error) {
      throw new CmaamError(`${path} is not valid JSON: ${(error as Error).message}`, {hint: HINT})
    }
  } else {
    let root: YamlNode
    try {
      root = parseYaml(text)
    } catch (error) {
      if (error instanceof YamlSyntaxError) throw new CmaamError(`${path} line ${error.line}: ${error.problem}`, {hint: HINT})
      throw error
    }
    value = plain(root)
    lineOf = (key) => lineAt(root, key)
  }

  try {
    return createAdapter(value as never, {origin: {kind: 'file', path: file}})
  } catch (error) {
    if (!(error instanceof AdapterDefinitionError)) throw error
    const line = lineOf(error.key)
    throw new CmaamError(`${path}${line === null ? '' : ` line ${line}`}: ${error.message}`, {hint: error.hint})
  }
}

function plain(node: YamlNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value
    case 'null':
      return null
    case 'list':
      return node.items.map(plain)
    case 'map':
      return Object.fromEntries(node.entries.map((entry) => [entry.key, plain(entry.value)]))
  }
}

/** The line of the deepest node on the key's path that the file has. */
function lineAt(root: YamlNode, key: DefinitionKey): number {
  let node = root
  let line = root.line
  for (const part of key) {
    if (node.kind === 'map' && typeof part === 'string') {
      const entry = node.entries.find((candidate) => candidate.key === part)
      if (entry === undefined) break
      line = entry.line
      node = entry.value
    } else if (node.kind === 'list' && typeof part === 'number' && part < node.items.length) {
      node = node.items[part]
      line = node.line
    } else {
      break
    }
  }
  return line
}
