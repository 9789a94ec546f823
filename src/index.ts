export {CmaamError} from './errors'
export type {AdapterDefinition, AdapterRule, Component} from './models'
