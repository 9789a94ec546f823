import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {generatePair} from '../../src/example/generate-pair'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {tensorBytes} from '../merge/helpers'

describe('cmaam merge --method …, end to end', () => {
  const tmp = useTempDir()

  async function expectSameTensors(a: string, b: string): Promise<void> {
    const x = await tensorBytes(a)
    const y = await tensorBytes(b)
    expect([...y.keys()].sort()).toEqual([...x.keys()].sort())
    for (const [name, bytes] of x) if (!bytes.equals(y.get(name)!)) throw new Error(`${name} differs between ${a} and ${b}`)
  }

  it('per-component DARE-TIES is byte-identical on 1 and 2 threads, and its cmaam_config.yaml replays it', async () => {
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const flags = ['--method', 'dare_ties,vision=keep-target,bridge=slerp', '--density', '0.5,language=0.3', '--t', 'bridge=0.3', '--seed', '3']
    const two = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'two'), ...flags, '--threads', '2'])
    expect(two.stderr).toBe('')
    expect(two.code).toBe(0)
    expect(two.stdout).toMatch(/^dare_ties,vision=keep-target,bridge=slerp · model type qwen2vl/)
    expect(two.stdout).toMatch(/method\s+vision\s+keep-target\n\s+bridge\s+slerp\s+t 0\.3\n\s+language\s+dare_ties\s+lambda 1 · density 0\.3 · weights 1 · not normalized · rescale density\n/)
    const one = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'one'), ...flags, '--threads', '1', '--quiet'])
    expect(one.code).toBe(0)
    await expectSameTensors(join(tmp(), 'one'), join(tmp(), 'two'))
    for (const [name, bytes] of await tensorBytes(join(tmp(), 'two'))) {
      if (name.startsWith('visual.blocks.')) expect(bytes.equals((await tensorBytes(target)).get(name)!)).toBe(true)
    }

    const config = readFileSync(join(tmp(), 'two', 'cmaam_config.yaml'), 'utf8')
    expect(config).toContain('method:\n  default: dare_ties\n  vision: keep-target\n  bridge: slerp\n')
    expect(config).toContain('density:\n  default: 0.5\n  language: 0.3\n')
    const replay = await cmaam(['merge', '--config', join(tmp(), 'two', 'cmaam_config.yaml'), '-o', join(tmp(), 'replay'), '--quiet'])
    expect(replay.code).toBe(0)
    await expectSameTensors(join(tmp(), 'two'), join(tmp(), 'replay'))
    const card = readFileSync(join(tmp(), 'two', 'README.md'), 'utf8')
    expect(card).toContain('--method dare_ties,vision=keep-target,bridge=slerp --density 0.5,language=0.3 --t bridge=0.3 --seed 3')
    expect(card).toContain('| language | `dare_ties` | lambda 1 · density 0.3 · weights 1 · not normalized · rescale density |')
  })

  it('merges two fine-tunes with --source twice; the card and config name both; model_stock with one is refused', async () => {
    const a = await generatePair({family: 'llava', dir: join(tmp(), 'a'), seed: 1})
    const b = await generatePair({family: 'llava', dir: join(tmp(), 'b'), seed: 2})
    const run = await cmaam(['merge', '-s', a.source, '-s', b.source, '-t', a.target, '-o', join(tmp(), 'ties'), '--method', 'ties', '--density', '0.5', '--weights', '0.6,0.4', '--json'])
    expect(run.code).toBe(0)
    const record = JSON.parse(run.stdout)
    expect(record.sources).toEqual([a.source, b.source])
    expect(record.config.methods.language).toEqual({method: 'ties', params: {lambda: 1, density: 0.5}, weights: [0.6, 0.4], normalize: true})
    // Local folders: no base_model entries; the card names every input by its folder.
    const card = readFileSync(join(tmp(), 'ties', 'README.md'), 'utf8')
    expect(card.split('---')[1]).not.toContain('base_model:')
    expect(card).toContain('This model merges `source` (a local model), `source` (a local model) (sources) into `target` (a local model) (target)')
    expect(readFileSync(join(tmp(), 'ties', 'cmaam_config.yaml'), 'utf8')).toContain(`source:\n- "${a.source}"\n- "${b.source}"\n`)
    const replay = await cmaam(['merge', '--config', join(tmp(), 'ties', 'cmaam_config.yaml'), '-o', join(tmp(), 'replay'), '--quiet'])
    expect(replay.code).toBe(0)
    await expectSameTensors(join(tmp(), 'ties'), join(tmp(), 'replay'))

    const refused = await cmaam(['merge', '-s', a.source, '-t', a.target, '-o', join(tmp(), 'stock'), '--method', 'model_stock'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^Error: --method model_stock merges at least 2 sources, got 1\n.*angle between fine-tunes/)
  })

  it('analyze shows which method each component would get', async () => {
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const run = await cmaam(['analyze', '-s', source, '-t', target, '--method', 'ties,vision=keep-target', '--density', '0.4'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/method\s+vision\s+keep-target\n\s+bridge\s+ties\s+lambda 1 · density 0\.4 · weights 1 · normalized\n/)
    const json = await cmaam(['analyze', '-s', source, '-t', target, '--method', 'slerp,shared=keep-source', '--json'])
    expect(JSON.parse(json.stdout).methods).toMatchObject({language: {method: 'slerp', params: {t: 0.5}}, shared: {method: 'keep-source'}})
  })

  it.each([
    [['--method', 'ties', '--alpha', '0.3'], '--alpha is ignored by ties: it is taken by linear', 'use --lambda with ties'],
    [['--density', '0.5'], '--density is ignored by cmaam: it is taken by ties, dare_linear, dare_ties, breadcrumbs', 'Leave --density out'],
    [['--method', 'slerp,vision=keep-target', '--lambda', '2'], "--lambda is ignored by every component's method (keep-target, slerp): it is taken by task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs", 'use --t with slerp'],
    [['--method', 'linear', '--weights', '1'], '--weights is ignored by linear: it is taken by task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs', 'linear takes --alpha'],
    [['--method', 'slerp', '--normalize'], '--normalize is ignored by slerp: it is taken by task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs', 'slerp takes --t'],
    [['--method', 'keep-target', '--alpha-from', 'cmaam'], '--alpha-from is ignored by keep-target: it is taken by linear, task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs, slerp', 'Leave --alpha-from out'],
  ])('a flag the chosen method ignores is an error naming the flag and the methods that take it: %j', async (flags, message, hint) => {
    // Checked before the models are read: the folders need not exist.
    const run = await cmaam(['merge', '-s', join(tmp(), 's'), '-t', join(tmp(), 't'), '-o', join(tmp(), 'o'), ...flags])
    expect(run.code).toBe(1)
    const [line, advice] = run.stderr.trimEnd().split('\n')
    expect(line).toBe(`Error: ${message}`)
    expect(advice).toContain(hint)
  })
})
