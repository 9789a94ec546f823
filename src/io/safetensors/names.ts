/** File names transformers uses for safetensors checkpoints. */
export const INDEX_FILE = 'model.safetensors.index.json'
export const SINGLE_FILE = 'model.safetensors'
