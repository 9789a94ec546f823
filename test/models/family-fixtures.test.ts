import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {getAdapter} from '../../src/models'
import {describeWithShared, sharedDir} from '../helpers/shared'
import {EXPECTATIONS} from './expectations'
import {countByComponent, layersOf, loadWeightMap, mismatches, range} from './weightmaps'

describe('fixture expectation tables', () => {
  it('name registered adapters', () => {
    for (const {adapter} of Object.values(EXPECTATIONS)) expect(getAdapter(adapter).name).toBe(adapter)
  })
})

describeWithShared('every weight-map fixture, classified by its family adapter', () => {
  it('has a hand-written expectation for every fixture file, for the adapter its cmaam_adapter field names', () => {
    const files = readdirSync(join(sharedDir!, 'fixtures', 'weightmaps')).filter((file) => file.endsWith('.json'))
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(files.sort())
    for (const file of files) expect([file, loadWeightMap(file).adapter]).toEqual([file, EXPECTATIONS[file].adapter])
  })

  for (const [file, {adapter: adapterName, table, counts, layers}] of Object.entries(EXPECTATIONS)) {
    describe(`${file} (${adapterName})`, () => {
      const adapter = getAdapter(adapterName)
      const {names} = loadWeightMap(file)

      it(`classifies all ${names.length} names as the expectation table says, layer and tower included`, () => {
        expect(names).toHaveLength(counts.vision + counts.bridge + counts.language + counts.shared)
        expect(mismatches(adapter, names, table)).toEqual([])
      })

      it(`counts vision ${counts.vision}, bridge ${counts.bridge}, language ${counts.language}, shared ${counts.shared}`, () => {
        expect(countByComponent(adapter, names)).toEqual(counts)
      })

      it(`indexes ${layers.vision} vision blocks and ${layers.language} decoder layers; bridge and shared have none`, () => {
        expect(layersOf(adapter, names, 'vision')).toEqual(range(layers.vision))
        expect(layersOf(adapter, names, 'language')).toEqual(range(layers.language))
        const unindexed = names.filter((name) => ['bridge', 'shared'].includes(adapter.classify(name).component))
        expect(unindexed.map((name) => adapter.classify(name).layer)).toEqual(unindexed.map(() => null))
      })
    })
  }
})
