import type {MergeSettings} from '../merge/run-merge'
import type {ModelInput} from '../hub/resolve-model-input'

/** How reports and the model card name the inputs: Hub models by repo id, with the commit the first source and the target resolved to. */
export function modelLabels(sources: ModelInput[], target: ModelInput): NonNullable<MergeSettings['labels']> {
  const [source] = sources
  const revisions = {...(source.sha ? {source: source.sha} : {}), ...(target.sha ? {target: target.sha} : {})}
  return {
    sources: sources.map((s) => s.label),
    target: target.label,
    hubIds: sources.every((s) => s.repo !== undefined) && target.repo !== undefined,
    hubModels: {sources: sources.map((s) => s.hubId ?? null), target: target.hubId ?? null},
    ...(Object.keys(revisions).length > 0 ? {revisions} : {}),
  }
}
