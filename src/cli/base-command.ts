import {Command, Flags} from '@oclif/core'
import type {RunContext} from '../api/context'
import {CmaamError, type CmaamErrorCode} from '../errors'
import {redactUrl} from '../redact-url'
import {resolveHubSettings} from '../hub/hub-settings'
import type {HubSettings} from '../hub/types'
import {registerPluginAdapters, type AdapterHookResults} from '../models/register-plugin-adapters'
import {strictJson} from '../report/write-json-file'
import {silentProgress, type ProgressFactory} from '../progress'
import {terminalProgress} from '../progress/terminal-progress'

/** A plugin whose cmaam:adapters hook takes longer is reported and skipped, rather than hanging every command. */
const PLUGIN_HOOK_TIMEOUT_MS = 10_000

/**
 * Flags every cmaam command shares, and the error policy: one readable `Error:` line (and a hint)
 * on stderr, no stack trace unless --debug, a non-zero exit code.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print machine-readable JSON on stdout (progress and messages stay on stderr).'}),
    quiet: Flags.boolean({char: 'q', description: 'No progress bars and no summary; errors are still printed.'}),
    debug: Flags.boolean({description: 'Print stack traces of errors.', helpGroup: 'GLOBAL'}),
  }

  /** Progress bars on stderr unless --quiet or --json (or stderr is not a terminal). */
  protected progressFor(flags: {quiet?: boolean; json?: boolean}): ProgressFactory {
    return flags.quiet || flags.json ? silentProgress : terminalProgress(process.stderr)
  }

  /**
   * How an API call run by a command reports: progress bars, notices (unless --quiet) and warnings
   * on stderr, and the Hub settings of this command.
   */
  protected context(flags: {quiet?: boolean; json?: boolean; token?: string}): RunContext {
    const write = (message: string): void => void process.stderr.write(`${message}\n`)
    return {progress: this.progressFor(flags), notice: flags.quiet ? () => {} : write, warn: write, hub: () => this.hubSettings(flags)}
  }

  private hub?: HubSettings

  /**
   * Token, endpoint, cache and offline mode: `--token`, then the HF_* variables. Resolved on first
   * use only, so that commands on local folders never read the token file.
   */
  protected hubSettings(flags: {token?: string}): HubSettings {
    this.hub ??= resolveHubSettings({token: flags.token})
    return this.hub
  }

  /**
   * Registers the adapters of installed plugins (their `cmaam:adapters` hooks), reporting each
   * broken plugin once on stderr and going on without it.
   */
  protected async loadPlugins(): Promise<void> {
    const results = await this.config.runHook('cmaam:adapters', {}, PLUGIN_HOOK_TIMEOUT_MS, true)
    const {problems} = registerPluginAdapters(results as AdapterHookResults)
    for (const {plugin, reason} of problems) process.stderr.write(`Warning: plugin ${plugin} skipped: ${reason}\n`)
  }

  /** A flag's value as typed (`--flag value` or `--flag=value`), read from argv. */
  private flagValue(flag: string): string | undefined {
    const at = this.argv.indexOf(flag)
    return at >= 0 ? this.argv[at + 1] : this.argv.find((arg) => arg.startsWith(`${flag}=`))?.slice(flag.length + 1)
  }

  protected printJson(value: unknown): void {
    process.stdout.write(strictJson(value) + '\n')
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}; exitCode?: number}): Promise<void> {
    // oclif's own exit (e.g. --help, this.exit()) is not an error to report.
    if (error.oclif?.exit === 0) throw error
    const debug = this.argv.includes('--debug')
    const hint = error instanceof CmaamError ? error.hint : undefined
    const known = error instanceof CmaamError || error.oclif !== undefined
    let text = `Error: ${error.message}`
    if (hint) text += `\n${hint}`
    if (!known && !debug) text += '\n(this looks like a bug in cmaam: run again with --debug and report the output)'
    if (debug && error.stack) text += `\n\n${error.stack}`
    // No message should hold the token, the API key, a URL's credentials or signed query; if one ever
    // does (a library's, a server's, or oclif's about a mistyped flag), it is not shown.
    const secrets = [this.hub?.token, this.flagValue('--token'), this.flagValue('--api-key'), process.env.OPENAI_API_KEY]
    const hide = (value: string): string => redactUrl(secrets.reduce<string>((out, secret) => (secret ? out.split(secret).join('***') : out), value))
    process.stderr.write(hide(text) + '\n')
    // With --json a script reads the failure on stdout too, as oclif's enableJsonFlag prints it.
    if (this.argv.includes('--json')) this.printJson({error: {message: hide(error.message), hint: hint === undefined ? null : hide(hint), code: errorCode(error)}})
    this.exit(error instanceof CmaamError ? error.exitCode : (error.oclif?.exit ?? 1))
  }
}

/** The `code` of an error printed with --json: a CmaamError's own, INVALID_INPUT for oclif's flag errors, INTERNAL for a bug. */
function errorCode(error: Error & {oclif?: unknown}): CmaamErrorCode | 'INTERNAL' {
  if (error instanceof CmaamError) return error.code
  return error.oclif === undefined ? 'INTERNAL' : 'INVALID_INPUT'
}
