import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {TINY_DIMS} from '../../src/example/families'
import {generatePair} from '../../src/example/generate-pair'
import {openCheckpoint} from '../../src/io/checkpoint/open-checkpoint'
import {runMerge} from '../../src/merge/run-merge'
import {useTempDir} from '../helpers/temp-dir'
import {mergeSettings, tensorBytes} from './helpers'

/** Spec §7: the identities the reference fails because it rounds twice. */
describe('merge identities, bit for bit', () => {
  const tmp = useTempDir()

  async function pair(family: 'qwen2vl' | 'llava', dtype: 'BF16' | 'F16' | 'F32'): Promise<{source: string; target: string}> {
    return generatePair({family, dir: join(tmp(), `${family}-${dtype}`), dtype})
  }

  function expectSameTensors(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [name, bytes] of expected) {
      if (!actual.get(name)!.equals(bytes)) throw new Error(`tensor ${name} differs`)
    }
  }

  it.each(['BF16', 'F16', 'F32'] as const)('merge(x, x) = x for %s weights, with CMAAM α', async (dtype) => {
    const {target} = await pair('qwen2vl', dtype)
    const output = join(tmp(), 'self')
    const record = await runMerge(mergeSettings({source: target, target, output}))
    expect(record.alphas.overall.min).toBeGreaterThan(0)
    expect(record.alphas.overall.max).toBeLessThan(1)
    expectSameTensors(await tensorBytes(output), await tensorBytes(target))
  })

  it.each(['BF16', 'F16'] as const)('α = 0 gives the target and α = 1 the source (%s)', async (dtype) => {
    const {source, target} = await pair('llava', dtype)
    const targetBytes = await tensorBytes(target)
    const sourceBytes = await tensorBytes(source)

    const cases = [
      {name: 'linear-0', settings: {method: 'linear' as const, linearAlpha: 0}, expected: targetBytes},
      {name: 'linear-1', settings: {method: 'linear' as const, linearAlpha: 1}, expected: sourceBytes},
      {name: 'cmaam-0', settings: {alpha: {baseAlpha: 0, minAlpha: 0, maxAlpha: 1}}, expected: targetBytes},
      {name: 'cmaam-1', settings: {alpha: {baseAlpha: 1, minAlpha: 1, maxAlpha: 1}}, expected: sourceBytes},
    ]
    for (const c of cases) {
      const output = join(tmp(), c.name)
      await runMerge(mergeSettings({source, target, output, ...c.settings}))
      expectSameTensors(await tensorBytes(output), c.expected)
    }
  })

  it('is deterministic under a seed, and the seed is what varies the PDA sample', async () => {
    // A vocabulary of 2048 × 64 = 131072 values puts the embeddings over the 50,000-value PDA sample.
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'big'), dims: {...TINY_DIMS, vocab: 2048}})
    const run = async (name: string, seed: number) => {
      const output = join(tmp(), name)
      const record = await runMerge(mergeSettings({source, target, output, seed, saveAlphas: true}))
      return {record, bytes: await tensorBytes(output), alphas: readFileSync(join(output, 'cmaam_alphas.json'), 'utf8'), output}
    }
    const a = await run('seed0-a', 0)
    const b = await run('seed0-b', 0)
    expectSameTensors(a.bytes, b.bytes)
    expect(a.alphas).toEqual(b.alphas)
    const shards = (await openCheckpoint(a.output)).files
    for (const file of shards) expect(readFileSync(join(a.output, file)).equals(readFileSync(join(b.output, file)))).toBe(true)

    const c = await run('seed1', 1)
    expect(c.record.analysis!.alignment.pda.shared).not.toBe(a.record.analysis!.alignment.pda.shared)
    expect(c.record.analysis!.alignment.pda.vision).toBe(a.record.analysis!.alignment.pda.vision)
  })
})
