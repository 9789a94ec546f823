import {mergeReproduction} from '../../src/api/merge-reproduction'

const inputs = {sources: ['me/qwen2vl-ko@0123abc'], target: './Qwen2-VL 7B'}

describe('the model card line of a merge', () => {
  it('writes options given as values the way a user types the flags, leaving out defaults', () => {
    const line = mergeReproduction(
      {method: {default: 'ties', vision: 'keep-target'}, density: {default: 0.5, bridge: 0.3}, weights: [0.7, 0.3], baseAlpha: 0.5, seed: 0, componentAlpha: {vision: 0.3}, shardSize: '2GB', normalize: false},
      inputs,
      '/tmp/out/merged-ties',
      true,
    )
    expect(line).toBe("merge --source me/qwen2vl-ko@0123abc --target './Qwen2-VL 7B' --output merged-ties --method ties,vision=keep-target --density 0.5,bridge=0.3 --weights 0.7,0.3 --component-alpha vision=0.3 --shard-size 2GB --no-normalize")
  })

  it('gives the same line for the flags’ text, and names the adapter file written beside the card', () => {
    const line = mergeReproduction({method: 'ties,vision=keep-target', density: '0.5,bridge=0.3', weights: '0.7,0.3', baseAlpha: '0.5', seed: 0, componentAlpha: 'vision=0.3', shardSize: '2GB', normalize: true, adapter: '/home/me/internvl.yaml', dtype: 'bf16'}, inputs, 'merged-ties', true)
    expect(line).toBe("merge --source me/qwen2vl-ko@0123abc --target './Qwen2-VL 7B' --output merged-ties --method ties,vision=keep-target --density 0.5,bridge=0.3 --weights 0.7,0.3 --normalize --component-alpha vision=0.3 --adapter cmaam_adapter.json --dtype bf16 --shard-size 2GB")
  })

  it('leaves out the options of the CMAAM analysis when the merge did not run it', () => {
    const line = mergeReproduction({method: 'ties', density: '0.5', strategy: 'layerwise', baseAlpha: '0.4', minAlpha: '0.1', compat: 'reference', seed: 3}, inputs, 'merged', false)
    expect(line).toBe("merge --source me/qwen2vl-ko@0123abc --target './Qwen2-VL 7B' --output merged --method ties --density 0.5 --seed 3")
  })
})
