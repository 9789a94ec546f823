export {createAdapter} from './create-adapter'
export {detectAdapter, type DetectAdapterInput, type DetectedAdapter} from './detect-adapter'
export {getAdapter, listAdapters, registerAdapter} from './registry'
export {
  COMPONENTS,
  RULE_ORDER,
  type AdapterDefinition,
  type AdapterRule,
  type Component,
  type ModelAdapter,
  type ParamClass,
} from './types'
