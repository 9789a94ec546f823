import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {generatePair} from '../../src/example/generate-pair'
import {useTempDir} from '../helpers/temp-dir'
import {useHubEnv} from '../hub/cli-env'
import {cmaam} from '../helpers/cli'

const tmp = useTempDir()
const setEnv = useHubEnv()

describe('cmaam merge --config', () => {
  test('replays a merge; flags on the command line override the file', async () => {
    // Local folders never touch the Hub settings: an unusable endpoint does not matter.
    setEnv({HF_ENDPOINT: 'not a url'})
    const pair = await generatePair({family: 'mplugowl', dir: join(tmp(), 'pair')})
    const first = join(tmp(), 'first')
    const made = await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', first, '--method', 'linear', '--alpha', '0.3', '--quiet'])
    expect(made.stderr).toBe('')
    expect(made.code).toBe(0)
    const config = join(first, 'cmaam_config.yaml')
    expect(await readFile(config, 'utf8')).toContain(`source: "${pair.source}"\ntarget: "${pair.target}"\nmethod: linear\nalpha: 0.3\n`)

    const replay = await cmaam(['merge', '--config', config, '-o', join(tmp(), 'replay'), '--quiet'])
    expect(replay.code).toBe(0)
    expect(await readFile(join(tmp(), 'replay', 'model.safetensors'))).toEqual(await readFile(join(first, 'model.safetensors')))

    const direct = await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', join(tmp(), 'direct'), '--method', 'linear', '--alpha', '0.7', '--quiet'])
    expect(direct.code).toBe(0)
    const overridden = await cmaam(['merge', '--config', config, '--alpha', '0.7', '-o', join(tmp(), 'overridden'), '--quiet'])
    expect(overridden.code).toBe(0)
    expect(await readFile(join(tmp(), 'overridden', 'model.safetensors'))).toEqual(await readFile(join(tmp(), 'direct', 'model.safetensors')))
    expect(await readFile(join(tmp(), 'overridden', 'model.safetensors'))).not.toEqual(await readFile(join(first, 'model.safetensors')))
    expect(await readFile(join(tmp(), 'overridden', 'cmaam_config.yaml'), 'utf8')).toContain('alpha: 0.7\n')
  })

  test('values from the file are checked like flags, and a missing --output is named', async () => {
    const config = join(tmp(), 'bad.yaml')
    await writeFile(config, 'source: a/b\ntarget: c/d\nstrategy: sideways\n')
    const bad = await cmaam(['merge', '--config', config, '-o', join(tmp(), 'out')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^Error: Expected --strategy=sideways to be one of: basic, layerwise, component, full/)
    await writeFile(config, 'source: a/b\ntarget: c/d\n')
    const missing = await cmaam(['merge', '--config', config])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(`Error: Missing --output\nGive it on the command line or in ${config}.\n`)
  })
})
