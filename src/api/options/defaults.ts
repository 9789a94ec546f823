import {availableParallelism} from 'node:os'
import {DEFAULT_ALPHA_OPTIONS} from '../../merge/analysis/types'

/** Defaults of the options (and of the flags the commands show in --help): one table. */
export const OPTION_DEFAULTS = {
  method: 'cmaam',
  strategy: DEFAULT_ALPHA_OPTIONS.strategy,
  baseAlpha: DEFAULT_ALPHA_OPTIONS.baseAlpha,
  minAlpha: DEFAULT_ALPHA_OPTIONS.minAlpha,
  maxAlpha: DEFAULT_ALPHA_OPTIONS.maxAlpha,
  modelType: 'auto',
  compat: 'default',
  seed: 0,
  threads: Math.min(availableParallelism(), 8),
  dtype: 'keep',
  shardSize: '5GB',
  onnxDtype: 'fp32',
  evalOutput: 'eval_results',
  maxNewTokens: 512,
  device: 'auto',
  evalDtype: 'fp32',
  concurrency: 8,
  requestTimeout: 300,
  maxRetries: 5,
  serveTimeout: 900,
} as const
