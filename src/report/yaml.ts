/** A tiny YAML writer for model-card front matter: strings, numbers, booleans, lists and maps. */
export type YamlValue = string | number | boolean | YamlValue[] | {[key: string]: YamlValue}

export function toYaml(value: {[key: string]: YamlValue}, indent = ''): string {
  let out = ''
  for (const [key, v] of Object.entries(value)) {
    if (Array.isArray(v)) {
      out += `${indent}${key}:\n`
      for (const item of v) out += `${indent}- ${scalar(item as string | number | boolean)}\n`
    } else if (typeof v === 'object') {
      out += `${indent}${key}:\n${toYaml(v, indent + '  ')}`
    } else {
      out += `${indent}${key}: ${scalar(v)}\n`
    }
  }
  return out
}

function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v)
  // Quote anything YAML could read as another type or as syntax.
  return /^[A-Za-z0-9_][A-Za-z0-9_./@+-]*$/.test(v) && !/^(true|false|yes|no|on|off|null|~|[-+.\d][\d.eE+-]*)$/i.test(v) ? v : JSON.stringify(v)
}
