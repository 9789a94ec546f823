import type {LoraConfig} from './adapter-config'

/**
 * The value of the first pattern that matches `module` (PEFT's rule: the pattern, as a regular
 * expression, matches the whole name or a dotted suffix of it), or undefined.
 */
function patternValue(patterns: Record<string, number>, module: string): number | undefined {
  for (const [pattern, value] of Object.entries(patterns)) {
    if (new RegExp(`^(?:.*\\.)?(?:${pattern})$`).test(module)) return value
  }
  return undefined
}

/** Rank, alpha and the factor s of W += s·B·A for one module: alpha / r, or alpha / √r with rsLoRA. */
export function moduleScale(config: LoraConfig, module: string): {rank: number; alpha: number; scale: number} {
  const rank = patternValue(config.rankPattern, module) ?? config.r
  const alpha = patternValue(config.alphaPattern, module) ?? config.loraAlpha
  return {rank, alpha, scale: config.useRslora ? alpha / Math.sqrt(rank) : alpha / rank}
}

/** Whether PEFT would have put a LoRA on `module`: a listed name (or dotted suffix), the regex, or `all-linear`. */
export function isTargetModule(config: LoraConfig, module: string): boolean {
  const targets = config.targetModules
  if (targets === null) return true
  if (typeof targets === 'string') return targets === 'all-linear' || new RegExp(`^(?:${targets})$`).test(module)
  return targets.some((t) => t === 'all-linear' || module === t || module.endsWith(`.${t}`))
}
