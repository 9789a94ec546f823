import type {CopyJob} from '../../compute/jobs'
import type {MethodInputs} from './types'

/** The target's tensor, unchanged (converted only when --dtype says so). */
export function copyTarget(inputs: MethodInputs): CopyJob {
  return {kind: 'copy', count: inputs.count, from: inputs.target, out: inputs.out}
}

/** The first source's tensor, unchanged. */
export function copySource(inputs: MethodInputs): CopyJob {
  return {kind: 'copy', count: inputs.count, from: inputs.sources[0], out: inputs.out}
}
