import {getAdapter, listAdapters, registerPluginAdapters, type AdapterDefinition} from '../../src/models'

const definition = (name: string, extra: Partial<AdapterDefinition> = {}): AdapterDefinition => ({
  name,
  title: name.toUpperCase(),
  modelTypes: [name],
  architectures: [],
  signatures: [],
  rules: [{component: 'bridge', match: `${name}_projector\\.`}],
  ...extra,
})
const plugin = (name: string) => ({name})
const names = () => listAdapters().map((adapter) => adapter.name)
const BUILT_IN = ['qwen2vl', 'llava_onevision', 'llava', 'cogvlm', 'mplugowl']

describe('registerPluginAdapters', () => {
  afterEach(() => {
    registerPluginAdapters({successes: [], failures: []})
  })

  it('registers each plugin’s adapters with their plugin as origin, before generic', () => {
    const {adapters, problems} = registerPluginAdapters({
      successes: [
        {plugin: plugin('cmaam-adapter-b'), result: [definition('bee')]},
        {plugin: plugin('cmaam-adapter-a'), result: [definition('ant'), definition('ape')]},
      ],
      failures: [],
    })
    expect(problems).toEqual([])
    // Sorted by plugin name, so detection order does not depend on which hook finished first.
    expect(adapters.map((a) => a.name)).toEqual(['ant', 'ape', 'bee'])
    expect(names()).toEqual([...BUILT_IN, 'ant', 'ape', 'bee', 'generic'])
    expect(getAdapter('bee').origin).toEqual({kind: 'plugin', plugin: 'cmaam-adapter-b'})
  })

  it('replaces the adapters of an earlier call, so a reload does not collide with itself', () => {
    registerPluginAdapters({successes: [{plugin: plugin('p'), result: [definition('ant')]}], failures: []})
    const again = registerPluginAdapters({successes: [{plugin: plugin('p'), result: [definition('ant')]}], failures: []})
    expect(again.problems).toEqual([])
    expect(names()).toEqual([...BUILT_IN, 'ant', 'generic'])
    registerPluginAdapters({successes: [], failures: []})
    expect(names()).toEqual([...BUILT_IN, 'generic'])
  })

  it('skips a broken plugin whole and says why, keeping the others', () => {
    const {adapters, problems} = registerPluginAdapters({
      successes: [
        {plugin: plugin('ok'), result: [definition('ant')]},
        {plugin: plugin('half-valid'), result: [definition('bee'), {...definition('cow'), rules: []}]},
        {plugin: plugin('steals'), result: [definition('qwen-fork', {modelTypes: [], architectures: ['Qwen2VLForConditionalGeneration']})]},
        {plugin: plugin('z-collides'), result: [definition('ant2', {modelTypes: ['ant']})]},
        {plugin: plugin('nothing'), result: undefined},
        {plugin: plugin('generic-again'), result: [definition('generic', {modelTypes: []})]},
      ],
      failures: [{plugin: plugin('throws'), error: new Error('boom')}, {plugin: plugin('throws-string'), error: 'bare string'}],
    })
    expect(adapters.map((a) => a.name)).toEqual(['ant'])
    expect(names()).toEqual([...BUILT_IN, 'ant', 'generic'])
    expect(problems).toEqual([
      {plugin: 'throws', reason: 'its cmaam:adapters hook failed: boom'},
      {plugin: 'throws-string', reason: 'its cmaam:adapters hook failed: bare string'},
      {plugin: 'generic-again', reason: 'adapter "generic": an adapter with this name is already registered'},
      {plugin: 'half-valid', reason: 'adapter "cow": "rules" must be a non-empty array'},
      {plugin: 'nothing', reason: 'its cmaam:adapters hook returned undefined, not an array of adapter definitions'},
      {plugin: 'steals', reason: 'adapter "qwen-fork": architecture "Qwen2VLForConditionalGeneration" is already claimed by adapter "qwen2vl"'},
      {plugin: 'z-collides', reason: 'adapter "ant2": model_type "ant" is already claimed by adapter "ant"'},
    ])
  })
})
