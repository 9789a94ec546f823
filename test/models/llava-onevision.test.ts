import {getAdapter} from '../../src/models'
import {describeWithShared} from '../helpers/shared'
import {CONVNEXT, SIGLIP, expectationsFor} from './expectations'
import {countByComponent, layersOf, loadWeightMap, mismatches, range} from './weightmaps'

const onevision = getAdapter('llava_onevision')
const llava = getAdapter('llava')

describeWithShared('llava_onevision adapter: the traps of the LLaVA-OneVision weight maps', () => {
  describe('trap: two vision towers (logics-thinking-llava-ov-style.json)', () => {
    const {names} = loadWeightMap('logics-thinking-llava-ov-style.json')

    it('gives each tower its own id: 380 ConvNeXt tensors in tower 0, 421 SigLIP tensors in tower 1', () => {
      const perTower = (tower: string) => names.filter((name) => onevision.classify(name).tower === tower).length
      expect(perTower('0')).toBe(CONVNEXT)
      expect(perTower('1')).toBe(SIGLIP)
    })

    it('keeps layer 3 of tower 0 and layer 3 of tower 1 apart', () => {
      const convnext = 'model.vision_tower.vision_towers.0.vision_tower.stages.3.blocks.0.mlp.fc1.weight'
      const siglip = 'model.vision_tower.vision_towers.1.vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight'
      expect(names).toEqual(expect.arrayContaining([convnext, siglip]))
      expect(onevision.classify(convnext)).toEqual({component: 'vision', layer: 3, tower: '0'})
      expect(onevision.classify(siglip)).toEqual({component: 'vision', layer: 3, tower: '1'})
    })

    it('indexes ConvNeXt stages 0–3 in tower 0 and SigLIP layers 0–25 in tower 1', () => {
      expect(layersOf(onevision, names, 'vision', '0')).toEqual(range(4))
      expect(layersOf(onevision, names, 'vision', '1')).toEqual(range(26))
      expect(onevision.classify('model.vision_tower.vision_towers.0.vision_tower.stem.0.weight')).toEqual({
        component: 'vision',
        layer: null,
        tower: '0',
      })
    })
  })

  it('trap: image_newline is bridge in every layout', () => {
    for (const name of ['image_newline', 'model.image_newline']) {
      expect(onevision.classify(name)).toEqual({component: 'bridge', layer: null, tower: null})
    }
  })

  it('trap: lmms-lab model.* that is not the LM (vision tower, mm_projector, image_newline)', () => {
    const {names} = loadWeightMap('llava-onevision-qwen2-7b-ov-lmms-lab.reconstructed.json')
    const notDecoder = names.filter((name) => name.startsWith('model.') && !/^model\.(layers\.|embed_tokens\.|norm\.)/.test(name))
    expect(notDecoder).toHaveLength(SIGLIP + 5)
    expect(notDecoder.filter((name) => onevision.classify(name).component === 'language')).toEqual([])
    expect(onevision.classify('model.vision_tower.vision_tower.vision_model.post_layernorm.weight').component).toBe('vision')
    expect(onevision.classify('model.mm_projector.0.weight')).toEqual({component: 'bridge', layer: null, tower: null})
  })

  it('trap: the llava adapter (lmms-lab configs may say model_type "llava") classifies every OneVision layout the same way', () => {
    for (const [file, {table, counts}] of expectationsFor('llava_onevision')) {
      const {names} = loadWeightMap(file)
      expect(mismatches(llava, names, table)).toEqual([])
      expect(countByComponent(llava, names)).toEqual(counts)
    }
  })
})

describe('llava_onevision adapter on names that are not in the fixtures', () => {
  it('reads multi-tower names without the model. prefix', () => {
    expect(onevision.classify('vision_tower.vision_towers.1.vision_tower.vision_model.encoder.layers.7.mlp.fc1.weight')).toEqual({
      component: 'vision',
      layer: 7,
      tower: '1',
    })
  })

  it('reads the doubled model.language_model.language_model.* of the transformers save bug', () => {
    expect(onevision.classify('model.language_model.language_model.layers.27.mlp.up_proj.weight')).toEqual({
      component: 'language',
      layer: 27,
      tower: null,
    })
    expect(onevision.classify('model.language_model.language_model.embed_tokens.weight').component).toBe('shared')
  })
})
