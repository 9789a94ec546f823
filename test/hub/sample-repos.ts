import type {MockRepoSpec} from './mock-hub'
import {f32Tensor, safetensorsBytes} from './fixtures'

export const CONFIG = JSON.stringify({model_type: 'llava', architectures: ['LlavaForConditionalGeneration']})

/** One `model.safetensors` (64 kB) plus what a merge reads, and files it must not fetch. */
export async function singleFileRepo(extra: Partial<MockRepoSpec> = {}): Promise<MockRepoSpec> {
  return {
    files: {
      'config.json': CONFIG,
      'tokenizer.json': '{"model": {"type": "WordLevel"}}',
      'tokenizer_config.json': '{}',
      'README.md': '---\nlicense: apache-2.0\n---\n# VLM\n',
      'model.safetensors': await safetensorsBytes([
        f32Tensor('vision_tower.proj.weight', [64, 128], 0),
        f32Tensor('language_model.embed.weight', [32, 128], 9000),
      ]),
      'pytorch_model.bin': 'pickle bytes',
      'training_args.bin': 'pickle bytes',
      'notes.txt': 'not needed',
      'onnx/model.onnx': 'not needed',
    },
    ...extra,
  }
}

/** An index with two shards, plus a consolidated file that a merge must not fetch. */
export async function shardedRepo(extra: Partial<MockRepoSpec> = {}): Promise<MockRepoSpec> {
  const shard1 = await safetensorsBytes([f32Tensor('a.weight', [16, 16], 0), f32Tensor('b.weight', [16], 300)])
  const shard2 = await safetensorsBytes([f32Tensor('c.weight', [8, 4], 600)], null)
  const index = {
    metadata: {total_size: 16 * 16 * 4 + 16 * 4 + 8 * 4 * 4},
    weight_map: {
      'a.weight': 'model-00001-of-00002.safetensors',
      'b.weight': 'model-00001-of-00002.safetensors',
      'c.weight': 'model-00002-of-00002.safetensors',
    },
  }
  return {
    files: {
      'config.json': '{"model_type": "qwen2_vl"}',
      'model.safetensors.index.json': JSON.stringify(index),
      'model-00001-of-00002.safetensors': shard1,
      'model-00002-of-00002.safetensors': shard2,
      'consolidated.safetensors': await safetensorsBytes([f32Tensor('all', [4], 0)]),
      'preprocessor_config.json': '{}',
    },
    ...extra,
  }
}
