import {compilePattern, type Pattern} from '../io/patterns/compile-pattern'
import type {LoraConfig} from './adapter-config'

interface Compiled {
  target: Pattern | null
  rank: Array<[Pattern, number]>
  alpha: Array<[Pattern, number]>
}

const compiled = new WeakMap<LoraConfig, Compiled>()

/**
 * The patterns of a config, compiled once. PEFT's rules: a string `target_modules` is
 * `re.fullmatch`ed against the module name; a `rank_pattern` / `alpha_pattern` key matches the whole
 * name or a dotted suffix of it (`re.match(rf"(.*\.)?({key})$", name)`), the first key in order wins.
 */
export function compileLoraPatterns(config: LoraConfig, file = 'adapter_config.json'): Compiled {
  let patterns = compiled.get(config)
  if (patterns === undefined) {
    const targets = config.targetModules
    const keys = (field: string, values: Record<string, number>): Array<[Pattern, number]> =>
      Object.entries(values).map(([key, value]) => [compilePattern(key, {anchor: 'whole-or-dotted-suffix', syntax: 'python', where: `${file} "${field}" key`}), value])
    patterns = {
      target: typeof targets === 'string' && targets !== 'all-linear' ? compilePattern(targets, {anchor: 'whole', syntax: 'python', where: `${file} "target_modules"`}) : null,
      rank: keys('rank_pattern', config.rankPattern),
      alpha: keys('alpha_pattern', config.alphaPattern),
    }
    compiled.set(config, patterns)
  }
  return patterns
}

function patternValue(patterns: Array<[Pattern, number]>, module: string): number | undefined {
  return patterns.find(([pattern]) => pattern.test(module))?.[1]
}

/** Rank, alpha and the factor s of W += s·B·A for one module: alpha / r, or alpha / √r with rsLoRA. */
export function moduleScale(config: LoraConfig, module: string): {rank: number; alpha: number; scale: number} {
  const patterns = compileLoraPatterns(config)
  const rank = patternValue(patterns.rank, module) ?? config.r
  const alpha = patternValue(patterns.alpha, module) ?? config.loraAlpha
  return {rank, alpha, scale: config.useRslora ? alpha / Math.sqrt(rank) : alpha / rank}
}

/** Whether PEFT would have put a LoRA on `module`: a listed name (or dotted suffix), the regex, or `all-linear`. */
export function isTargetModule(config: LoraConfig, module: string): boolean {
  const targets = config.targetModules
  if (targets === null) return true
  if (typeof targets === 'string') return targets === 'all-linear' || compileLoraPatterns(config).target!.test(module)
  return targets.some((t) => t === 'all-linear' || module === t || module.endsWith(`.${t}`))
}
