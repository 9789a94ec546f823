import type {MergeSettings} from '../merge/run-merge'
import type {ModelInput} from './resolve-model-input'

/** How reports and the model card name two inputs: Hub models by repo id, with the commit each resolved to. */
export function modelLabels(source: ModelInput, target: ModelInput): NonNullable<MergeSettings['labels']> {
  const revisions = {...(source.sha ? {source: source.sha} : {}), ...(target.sha ? {target: target.sha} : {})}
  return {
    source: source.label,
    target: target.label,
    hubIds: source.repo !== undefined && target.repo !== undefined,
    ...(Object.keys(revisions).length > 0 ? {revisions} : {}),
  }
}
