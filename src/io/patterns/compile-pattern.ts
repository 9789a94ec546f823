import {RE2JS} from 're2js'
import {CmaamError} from '../../errors'

/**
 * How a pattern is applied to a name:
 * - `search`: found anywhere (JavaScript's `RegExp.test`, Python's `re.search`);
 * - `start`: matches at the start (`re.match`);
 * - `whole`: matches the whole name (`re.fullmatch`; PEFT's string `target_modules`);
 * - `whole-or-dotted-suffix`: matches the whole name or the part after a dot (PEFT's `rank_pattern`
 *   and `alpha_pattern` keys: `re.match(rf"(.*\.)?({key})$", name)`).
 */
export type PatternAnchor = 'search' | 'start' | 'whole' | 'whole-or-dotted-suffix'

/** A compiled pattern from outside; it runs in time linear in the name, whatever the pattern. */
export interface Pattern {
  readonly source: string
  /** Capture groups in the pattern. */
  readonly groups: number
  test(name: string): boolean
  /** The text of capture group `group` (default 1) of the match, or undefined. */
  capture(name: string, group?: number): string | undefined
}

/** A pattern the linear-time engine refuses; `reason` says why, callers name the file and field. */
export class PatternError extends CmaamError {
  constructor(
    readonly source: string,
    readonly reason: string,
    where: string,
  ) {
    super(`${where} ${JSON.stringify(source)} is not a usable regular expression: ${reason}`, {
      code: 'INVALID_INPUT',
      hint: 'Patterns from files and flags run on a linear-time engine (RE2 syntax): backreferences, lookahead/lookbehind, atomic groups and possessive quantifiers are not supported.',
    })
  }
}

const WRAP: Record<PatternAnchor, (source: string) => string> = {
  search: (source) => source,
  start: (source) => `^(?:${source})`,
  whole: (source) => `^(?:${source})$`,
  'whole-or-dotted-suffix': (source) => String.raw`^(?:.*\.)?(?:${source})$`,
}

/**
 * Compiles a regular expression that comes from a user or a downloaded file with re2js (a pure
 * JavaScript RE2: no backtracking, so `(.*a){20}` cannot hang), the one way cmaam runs such patterns.
 * `syntax` is the language the pattern was written for: Python's `re` (PEFT) or JavaScript (adapter
 * definitions); both map onto RE2 except for the backtracking features, which are refused.
 * `where` names the pattern for errors, e.g. `adapter_config.json "target_modules"`.
 */
export function compilePattern(source: string, options: {anchor: PatternAnchor; syntax: 'python' | 'javascript'; where: string}): Pattern {
  const translated = options.syntax === 'javascript' ? translate(source, options.where) : source
  // Compiled alone first, so that a pattern cannot close the wrapper's group (`a)|(b`).
  const alone = compile(translated, source, options.where)
  const compiled = options.anchor === 'search' ? alone : compile(WRAP[options.anchor](translated), source, options.where)
  return {
    source,
    groups: alone.groupCount(),
    test: (name) => compiled.test(name),
    capture: (name, group = 1) => (compiled.exec(name)?.[group] as string | undefined) ?? undefined,
  }
}

function translate(source: string, where: string): string {
  try {
    return RE2JS.translateRegExp(source)
  } catch (error) {
    throw new PatternError(source, reasonOf(source, error), where)
  }
}

function compile(pattern: string, source: string, where: string): RE2JS {
  try {
    return RE2JS.compile(pattern)
  } catch (error) {
    throw new PatternError(source, reasonOf(source, error), where)
  }
}

/** Why RE2 refused the pattern, in the terms of the language it was written in. */
function reasonOf(source: string, error: unknown): string {
  if (/\\[1-9]|\\k<|\(\?P=/.test(source)) return 'backreferences need a backtracking engine'
  if (/\(\?<?[=!]/.test(source)) return 'lookahead and lookbehind need a backtracking engine'
  if (/\(\?>|[*+?}]\+/.test(source)) return 'atomic groups and possessive quantifiers need a backtracking engine'
  return (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, '')
}
