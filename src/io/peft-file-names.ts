/** File names PEFT's save_pretrained writes for a LoRA adapter. */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json'
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors'
