const HUB_VARIABLES = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN_PATH', 'HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'XDG_CACHE_HOME', 'CMAAM_HUB_IDLE_TIMEOUT']

/**
 * Sets the HF_* variables for one test and puts the previous values back afterwards; every
 * variable not given is unset, so that the machine's own login or cache never leaks in.
 */
export function useHubEnv(): (values: Record<string, string>) => void {
  let saved: Record<string, string | undefined> = {}
  beforeEach(() => {
    saved = Object.fromEntries(HUB_VARIABLES.map((name) => [name, process.env[name]]))
    for (const name of HUB_VARIABLES) delete process.env[name]
  })
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
  return (values) => Object.assign(process.env, values)
}
