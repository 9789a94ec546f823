import {Flags} from '@oclif/core'

/** `--adapter FILE`, on every command that classifies tensors. */
export const adapterFlags = {
  adapter: Flags.string({
    description: 'Adapter file (JSON or YAML) that maps parameter names to components; used instead of detection for this run (docs/adapters.md).',
  }),
}
