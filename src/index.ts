export {CmaamError} from './errors'
export * from './onnx/proto'
