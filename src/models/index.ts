export {chooseAdapter, type ChooseAdapterOptions} from './choose-adapter'
export {createAdapter} from './create-adapter'
export {detectAdapter, type DetectAdapterInput, type DetectedAdapter} from './detect-adapter'
export {readAdapterFile} from './read-adapter-file'
export {registerPluginAdapters, type AdapterHookResults, type PluginProblem} from './register-plugin-adapters'
export {getAdapter, listAdapters, registerAdapter, unregisterAdapter} from './registry'
export {unmatchedNames, type UnmatchedGroup} from './unmatched-names'
export {AdapterDefinitionError, validateDefinition} from './validate-definition'
export {
  COMPONENTS,
  RULE_ORDER,
  type AdapterDefinition,
  type AdapterOrigin,
  type AdapterRule,
  type Component,
  type ModelTypeAdapter,
  type ParamClass,
  type RuleMatch,
} from './types'
