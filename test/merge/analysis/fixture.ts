import type {RawPair} from './naive'

/**
 * A tiny hand-made pair: 15 tensors over the four components, two vision and two language layers,
 * a one-element tensor (model.norm.weight), an "other" tensor in a layer (input_layernorm), and a
 * 3-D bridge tensor (reshaped to [3, 2] for the spectra). T is S plus noise.
 */
export const FIXTURE: RawPair[] = [
  {name: 'lm_head.weight', component: 'shared', group: 'shared.non_layer', indexed: false, shape: [2, 2], s: [0.95, -0.32, 1.77, 0.55], t: [1.39, -0.03, 2.0, 0.4]},
  {name: 'model.embed_tokens.weight', component: 'shared', group: 'shared.non_layer', indexed: false, shape: [3, 2], s: [-0.02, 0.01, 0.04, 0.03, 0.01, -0.02], t: [-0.02, 0.04, 0.06, 0.02, -0.03, 0.01]},
  {name: 'model.layers.0.mlp.down_proj.weight', component: 'language', group: 'language.layer_0', indexed: true, shape: [2, 3], s: [-0.03, -0.01, -0.05, 0.03, -0.06, -0.03], t: [-0.03, -0.02, -0.06, 0.02, -0.03, -0.01]},
  {name: 'model.layers.0.self_attn.q_proj.weight', component: 'language', group: 'language.layer_0', indexed: true, shape: [2, 2], s: [-0.04, -0.04, -0.08, -0.02], t: [-0.08, -0.03, -0.09, -0.01]},
  {name: 'model.layers.1.input_layernorm.weight', component: 'language', group: 'language.layer_1', indexed: true, shape: [3], s: [0.98, 0.93, 0.89], t: [0.91, 1.07, 0.75]},
  {name: 'model.layers.1.mlp.up_proj.weight', component: 'language', group: 'language.layer_1', indexed: true, shape: [3, 2], s: [-0.3, -0.25, -0.6, -0.04, -1.27, 1.95], t: [-1.2, 0.23, -0.15, 0.2, -1.09, 1.23]},
  {name: 'model.layers.1.self_attn.o_proj.weight', component: 'language', group: 'language.layer_1', indexed: true, shape: [2, 2], s: [-0.45, -1.26, -0.97, -0.53], t: [0.07, -2.07, -1.55, -0.43]},
  {name: 'model.norm.weight', component: 'shared', group: 'shared.non_layer', indexed: false, shape: [1], s: [0.99], t: [0.97]},
  {name: 'visual.blocks.0.attn.qkv.weight', component: 'vision', group: 'vision.layer_0', indexed: true, shape: [3, 2], s: [-0.43, 1.93, -0.21, -0.37, -1.18, 0.29], t: [-0.22, 2.12, -0.16, -0.79, -1.17, 1.09]},
  {name: 'visual.blocks.0.mlp.fc1.weight', component: 'vision', group: 'vision.layer_0', indexed: true, shape: [2, 3], s: [1.91, 1.06, -3.95, -1.27, 1.68, -3.62], t: [1.76, 1.88, -5.0, 0.02, 2.12, -3.74]},
  {name: 'visual.blocks.1.attn.proj.weight', component: 'vision', group: 'vision.layer_1', indexed: true, shape: [2, 2], s: [0.26, 0.36, 0.56, 0.04], t: [0.3, 0.45, 0.65, 0.16]},
  {name: 'visual.merger.mlp.0.bias', component: 'bridge', group: 'bridge.non_layer', indexed: false, shape: [3], s: [1.47, -0.44, -1.38], t: [1.42, -0.5, -1.5]},
  {name: 'visual.merger.mlp.0.weight', component: 'bridge', group: 'bridge.non_layer', indexed: false, shape: [2, 3], s: [-1.61, 1.2, -2.01, 0.23, 2.11, 5.38], t: [-1.97, 1.34, -2.31, 0.01, 1.2, 4.98]},
  {name: 'visual.merger.mlp.2.weight', component: 'bridge', group: 'bridge.non_layer', indexed: false, shape: [3, 2, 1], s: [-0.29, -0.25, 0.25, 0.94, -1.66, -1.87], t: [-0.65, -0.52, 0.6, 1.25, -1.21, -1.93]},
  {name: 'visual.patch_embed.proj.weight', component: 'vision', group: 'vision.non_layer', indexed: false, shape: [2, 1, 2], s: [0.4, 0.24, -0.43, 0.66], t: [0.51, 0.03, 0.54, 0.8]},
]

/** Bridge key counts for FIXTURE as if both models held exactly these keys. */
export const FIXTURE_COUNTS = {bridgeKeysSource: 3, bridgeKeysTarget: 3, commonBridgeKeys: 3, bridgeKeysUnion: 3}
