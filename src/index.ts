export {CmaamError} from './errors'
