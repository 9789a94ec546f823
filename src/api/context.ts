import {resolveHubSettings} from '../hub/hub-settings'
import type {HubSettings} from '../hub/types'
import type {ProgressFactory} from '../progress'
import {progressCallback} from '../progress/progress-callback'
import type {HubOptions, ReportingOptions} from './types'

/** Where a run reports and how it reaches the Hub: callbacks for a library caller, the terminal for a command. */
export interface RunContext {
  progress: ProgressFactory
  /** Messages that are not errors and that `--quiet` hides (what was cleaned up). */
  notice: (message: string) => void
  /** Warnings shown even with `--quiet` (the generic-fallback warning). */
  warn: (message: string) => void
  /** Token, endpoint, cache and offline mode; resolved on first use, so that local runs never read the token file. */
  hub: () => HubSettings
}

/** A library call's context: its callbacks, its `token` (else HF_TOKEN and the token file); nothing printed. */
export function libraryContext(options: ReportingOptions & HubOptions): RunContext {
  const warn = options.onWarning ?? (() => {})
  let hub: HubSettings | undefined
  return {
    progress: progressCallback(options.onProgress),
    notice: warn,
    warn,
    hub: () => (hub ??= resolveHubSettings({token: options.token})),
  }
}
