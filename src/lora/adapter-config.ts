import {readFile} from 'node:fs/promises'
import {resolveInside} from '../io/paths/resolve-inside'
import {CmaamError} from '../errors'
import {compileLoraPatterns} from './module-scale'
import {parseJson} from '../io/parse-json'

import {ADAPTER_CONFIG_FILE} from '../io/peft-file-names'

/** What cmaam uses of a PEFT LoRA `adapter_config.json`. */
export interface LoraConfig {
  r: number
  loraAlpha: number
  /** Module-name suffixes, a regular expression matched against the whole module name, or null (any). */
  targetModules: string[] | string | null
  useRslora: boolean
  /** Module-name pattern → rank / alpha, overriding `r` / `lora_alpha` for the modules it matches. */
  rankPattern: Record<string, number>
  alphaPattern: Record<string, number>
  /** Base weights stored [in, out] (GPT-2's Conv1D): the product is transposed. */
  fanInFanOut: boolean
  modulesToSave: string[]
  /** `base_model_name_or_path`, when set. */
  baseModel: string | null
}

/** Reads and checks `adapter_config.json` of a PEFT LoRA adapter folder. */
export async function readAdapterConfig(dir: string): Promise<LoraConfig> {
  // A link out of the folder is refused before reading: a JSON error would quote the start of that file.
  const path = resolveInside({folder: dir, entry: ADAPTER_CONFIG_FILE, kind: 'file', file: dir, what: 'adapter file'})
  const invalid = (what: string): CmaamError =>
    new CmaamError(`Invalid ${path}: ${what}`, {hint: 'Use the adapter_config.json that PEFT saved with the adapter (save_pretrained).'})
  let raw: unknown
  try {
    raw = parseJson(await readFile(path, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CmaamError(code === 'ENOENT' ? `No ${ADAPTER_CONFIG_FILE} in ${dir}` : `Cannot read ${path}: ${(error as Error).message}`, {
      code: 'NOT_FOUND',
      hint: 'A LoRA adapter folder holds adapter_config.json and adapter_model.safetensors, as PEFT saves them.',
      cause: error,
    })
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('not a JSON object')
  const c = raw as Record<string, unknown>
  if (c.peft_type !== undefined && c.peft_type !== 'LORA') throw invalid(`peft_type is ${JSON.stringify(c.peft_type)}; cmaam applies LoRA adapters only`)
  if (c.use_dora === true) throw invalid('use_dora is true; cmaam applies plain LoRA (DoRA rescales each column by a learned magnitude) — merge it with PEFT (merge_and_unload) instead')
  const positive = (key: string, value: unknown): number => {
    if (typeof value !== 'number' || !(value > 0)) throw invalid(`"${key}" must be a positive number, got ${JSON.stringify(value)}`)
    return value
  }
  const patterns = (key: string): Record<string, number> => {
    const value = c[key] ?? {}
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`"${key}" must be an object of pattern → number`)
    return Object.fromEntries(Object.entries(value).map(([pattern, v]) => [pattern, positive(`${key}.${pattern}`, v)]))
  }
  const strings = (key: string): string[] => {
    const value = c[key] ?? []
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`"${key}" must be a list of module names`)
    return value as string[]
  }
  const targets = c.target_modules ?? null
  if (targets !== null && typeof targets !== 'string' && !(Array.isArray(targets) && targets.every((t) => typeof t === 'string'))) {
    throw invalid('"target_modules" must be a list of module names or a regular expression')
  }
  const r = positive('r', c.r ?? 8)
  const config: LoraConfig = {
    r,
    loraAlpha: positive('lora_alpha', c.lora_alpha ?? 8),
    targetModules: targets as LoraConfig['targetModules'],
    useRslora: c.use_rslora === true,
    rankPattern: patterns('rank_pattern'),
    alphaPattern: patterns('alpha_pattern'),
    fanInFanOut: c.fan_in_fan_out === true,
    modulesToSave: c.modules_to_save === null ? [] : strings('modules_to_save'),
    baseModel: typeof c.base_model_name_or_path === 'string' ? c.base_model_name_or_path : null,
  }
  // Refuses a pattern that the linear-time engine cannot run now, with the file's name, not mid-merge.
  compileLoraPatterns(config, path)
  return config
}
