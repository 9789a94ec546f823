import {CmaamError} from '../errors'

/**
 * `--serve` presets: the command each runs, with `{model}` (the model's folder), `{model_id}` (its
 * Hub id or folder as given, the name the server lists) and `{port}`. Each binds 127.0.0.1 only.
 */
export const SERVE_PRESETS = {
  vllm: `vllm serve {model} --host 127.0.0.1 --port {port} --served-model-name {model_id} --limit-mm-per-prompt '{"image": 8}'`,
  sglang: 'python -m sglang.launch_server --model-path {model} --host 127.0.0.1 --port {port} --served-model-name {model_id}',
  'llama.cpp': 'llama-server -m {model}/model.gguf --mmproj {model}/mmproj.gguf --host 127.0.0.1 --port {port} --alias {model_id} --n-gpu-layers 999',
} as const

/** A preset name's command, or the template as given; a template must place `{port}`. */
export function serveTemplate(serve: string): string {
  const template = (SERVE_PRESETS as Record<string, string>)[serve] ?? serve
  if (!template.includes('{port}')) {
    throw new CmaamError(`--serve "${serve}" is neither a preset (${Object.keys(SERVE_PRESETS).join(', ')}) nor a command with {port}`, {
      hint: 'A command template places {port} (a free port cmaam picks) and usually {model}, e.g. --serve "vllm serve {model} --port {port} --host 127.0.0.1".',
    })
  }
  return template
}

/** The command line for one model: each placeholder replaced by its value, quoted for the shell. */
export function fillServeTemplate(template: string, values: {model: string; model_id: string; port: number}): string {
  return template.replace(/\{(model|model_id|port)\}/g, (_, key: keyof typeof values) => shellQuote(String(values[key])))
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}
