import {listAdapters, registerAdapter, unregisterAdapter} from './registry'
import type {ModelTypeAdapter} from './types'

/** What oclif's `runHook('cmaam:adapters')` gives back, reduced to what is read here. */
export interface AdapterHookResults {
  successes: Array<{plugin: {name: string}; result: unknown}>
  failures: Array<{plugin: {name: string}; error: unknown}>
}

export interface PluginProblem {
  plugin: string
  reason: string
}

/**
 * Registers the adapters that plugins return from their `cmaam:adapters` hook, replacing those of
 * an earlier call. A plugin is all or nothing: if its hook throws, returns something other than an
 * array of valid definitions, or claims a name, model_type or architecture another adapter has,
 * none of its adapters is registered and the problem is returned, so the CLI can report it and go on.
 */
export function registerPluginAdapters(results: AdapterHookResults): {adapters: ModelTypeAdapter[]; problems: PluginProblem[]} {
  for (const adapter of listAdapters()) if (adapter.origin.kind === 'plugin') unregisterAdapter(adapter.name)
  const byName = <T extends {plugin: {name: string}}>(a: T, b: T): number => (a.plugin.name < b.plugin.name ? -1 : a.plugin.name > b.plugin.name ? 1 : 0)
  const problems: PluginProblem[] = [...results.failures].sort(byName).map(({plugin, error}) => ({
    plugin: plugin.name,
    reason: `its cmaam:adapters hook failed: ${error instanceof Error ? error.message : String(error)}`,
  }))
  const adapters: ModelTypeAdapter[] = []

  for (const {plugin, result} of [...results.successes].sort(byName)) {
    if (!Array.isArray(result)) {
      problems.push({plugin: plugin.name, reason: `its cmaam:adapters hook returned ${describe(result)}, not an array of adapter definitions`})
      continue
    }
    const registered: ModelTypeAdapter[] = []
    try {
      for (const definition of result) registered.push(registerAdapter(definition, {origin: {kind: 'plugin', plugin: plugin.name}}))
      adapters.push(...registered)
    } catch (error) {
      for (const adapter of registered) unregisterAdapter(adapter.name)
      problems.push({plugin: plugin.name, reason: (error as Error).message})
    }
  }
  return {adapters, problems}
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value)
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}
