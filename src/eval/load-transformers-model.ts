import {readFile} from 'node:fs/promises'
import {resolve} from 'node:path'
import {CmaamError} from '../errors'
import type {EvalDevice, EvalDtype, EvalModel} from './eval-model'

export interface LoadTransformersModelOptions {
  /** A model folder with `onnx/`, config, tokenizer and processor files. */
  dir: string
  device: EvalDevice
  dtype: EvalDtype
  maxNewTokens: number
}

/**
 * Loads a vision-language model with transformers.js (AutoProcessor + AutoModelForImageTextToText),
 * offline from the folder: nothing is fetched from the network here.
 */
export async function loadTransformersModel(options: LoadTransformersModelOptions): Promise<EvalModel> {
  // Required lazily: loading transformers.js and onnxruntime takes a while, and only eval needs them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const transformers = require('@huggingface/transformers') as typeof import('@huggingface/transformers')
  const {AutoProcessor, AutoModelForImageTextToText, RawImage, env} = transformers
  env.allowRemoteModels = false
  env.allowLocalModels = true
  const dir = resolve(options.dir)
  const processor = await AutoProcessor.from_pretrained(dir)
  if (!processor.tokenizer) {
    throw new CmaamError(`${dir} has no tokenizer that transformers.js can load`, {hint: 'The folder needs tokenizer.json and tokenizer_config.json (with the chat template).'})
  }
  let model: Awaited<ReturnType<typeof AutoModelForImageTextToText.from_pretrained>>
  try {
    model = await AutoModelForImageTextToText.from_pretrained(dir, {device: options.device, dtype: options.dtype})
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (options.device !== 'cpu') {
      throw new CmaamError(`--device ${options.device} is not available here: ${message.split('\n')[0]}`, {
        hint: options.device === 'cuda' ? 'cuda needs an NVIDIA GPU with CUDA 12 and cuDNN 9 and onnxruntime-node installed with its CUDA libraries; or use --device cpu.' : 'webgpu needs a Vulkan (Linux), Metal or D3D12 GPU driver; or use --device cpu.',
        cause: error,
      })
    }
    throw new CmaamError(`transformers.js cannot load ${dir}: ${message.split('\n')[0]}`, {hint: 'Check that the folder is a complete transformers.js export (config.json, onnx/, tokenizer and processor files).', cause: error})
  }
  return {
    async readImage(path) {
      const bytes = await readFile(path)
      return RawImage.fromBlob(new Blob([bytes]))
    },
    async answer(question, images) {
      const content = [...images.map(() => ({type: 'image'})), {type: 'text', text: question}]
      const prompt = processor.apply_chat_template([{role: 'user', content}] as never, {add_generation_prompt: true}) as string
      const inputs = await prepareInputs(transformers, processor, prompt, images)
      const output = (await model.generate({...inputs, max_new_tokens: options.maxNewTokens, do_sample: false})) as import('@huggingface/transformers').Tensor
      const promptLength = inputs.input_ids.dims[1] as number
      const newTokens = output.slice(null, [promptLength, null] as never)
      const [text] = processor.batch_decode(newTokens, {skip_special_tokens: true})
      return {text, newTokens: newTokens.dims[1] as number}
    },
    async dispose() {
      await model.dispose()
    },
  }
}

type Transformers = typeof import('@huggingface/transformers')
type Processor = Awaited<ReturnType<Transformers['AutoProcessor']['from_pretrained']>>

/**
 * The processor's inputs for a prompt and its images. transformers.js 4.3's Qwen2-VL image
 * processor reads one image per call (several at once come out wrong or throw), so for several
 * images each is processed alone and joined as the Qwen2-VL processor joins them: patches and grids
 * concatenated, each `<|image_pad|>` repeated once per merged patch of its image.
 */
async function prepareInputs(transformers: Transformers, processor: Processor, prompt: string, images: unknown[]): Promise<Record<string, any>> {
  const imageToken = (processor.constructor as {image_token?: string}).image_token
  const mergeSize = (processor.image_processor?.config as {merge_size?: number} | undefined)?.merge_size
  if (images.length <= 1 || imageToken !== '<|image_pad|>' || !mergeSize) return processor(prompt, images.length > 0 ? (images as never) : null)
  const parts: Array<Record<string, any>> = []
  for (const image of images) parts.push(await processor.image_processor!(image as never))
  const grids = parts.map((part) => (part.image_grid_thw.tolist() as bigint[][])[0].reduce((a, b) => a * Number(b), 1))
  let index = 0
  const text = prompt.replaceAll(imageToken, () => '<|placeholder|>'.repeat(grids[index++] / mergeSize ** 2)).replaceAll('<|placeholder|>', imageToken)
  return {
    ...processor.tokenizer!(text),
    pixel_values: transformers.cat(parts.map((part) => part.pixel_values), 0),
    image_grid_thw: transformers.cat(parts.map((part) => part.image_grid_thw), 0),
  }
}
