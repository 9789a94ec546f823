import {libraryContext} from '../../src/api/context'
import {mergeSettings} from '../../src/api/options/merge-settings'
import {CmaamError} from '../../src/errors'

const context = libraryContext({})

describe('merge options', () => {
  it('take numbers or the flags’ text, filling in the flags’ defaults', () => {
    const fromValues = mergeSettings({baseAlpha: 0.3, componentAlpha: {vision: 0.2}, weights: [0.6, 0.4], method: {default: 'ties', bridge: 'keep-target'}, density: 0.25, shardSize: 2_000_000}, context, 2)
    const fromText = mergeSettings({baseAlpha: '0.3', componentAlpha: 'vision=0.2', weights: '0.6,0.4', method: 'ties,bridge=keep-target', density: '0.25', shardSize: '2MB'}, context, 2)
    expect(fromValues).toEqual(fromText)
    expect(fromValues.alpha).toEqual({strategy: 'full', baseAlpha: 0.3, minAlpha: 0.05, maxAlpha: 0.95, componentBaseAlpha: {vision: 0.2}})
    expect(fromValues.method).toEqual({default: 'ties', components: {bridge: 'keep-target'}})
    expect(fromValues.params.density).toEqual({default: 0.25, components: {}})
    expect(fromValues).toMatchObject({dtype: 'keep', maxShardBytes: 2_000_000, modelType: 'auto', compat: 'default', seed: 0, weights: [0.6, 0.4]})
  })

  it.each([
    [{dtype: 'f64' as 'f32'}, '--dtype must be one of keep, bf16, f16, f32, got "f64"'],
    [{shardSize: 0}, '--shard-size must be an integer of at least 1, got 0'],
    [{seed: 1.5}, '--seed must be an integer of at least 0, got 1.5'],
    [{compat: 'python' as 'reference'}, '--compat must be one of default, reference, got "python"'],
    [{componentAlpha: {eyes: 0.2} as never}, '--component-alpha: "eyes=0.2" is not <component>=<alpha>'],
    [{method: {default: 'ties', ears: 'linear'} as never}, '--method: "ears=linear" is not a value or <component>=<value>'],
    [{baseAlpha: 'half'}, '--base-alpha must be a number, got "half"'],
  ])('refuse %j with the message the CLI prints', (options, message) => {
    expect(() => mergeSettings(options, context, 1)).toThrow(new CmaamError(message))
  })
})
