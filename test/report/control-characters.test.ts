import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse} from 'yaml'
import {generatePair} from '../../src/example/generate-pair'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()

/** The YAML between the card's `---` lines. */
const frontOf = (card: string): string => card.slice(4, card.indexOf('\n---\n') + 1)

describe('control characters in folder names, model_type and license', () => {
  it('are escaped in the card front matter and cmaam_config.yaml, which read back as written with only printable ASCII', async () => {
    const {source, target} = await generatePair({family: 'llava', dir: join(tmp(), 'pair')})
    // DEL and C1 controls: PyYAML refuses a file that holds them raw.
    const odd = join(tmp(), 'pair', 'src\x7f\x85\x9b')
    mkdirSync(odd)
    renameSync(source, join(odd, 'model'))
    const config = JSON.parse(readFileSync(join(target, 'config.json'), 'utf8')) as Record<string, unknown>
    writeFileSync(join(target, 'config.json'), JSON.stringify({...config, model_type: 'llava\x7f\x80'}))
    writeFileSync(join(target, 'README.md'), '---\nlicense: "mit\\x7F\\x9F"\n---\n# base\n')
    const output = join(tmp(), 'out')
    const run = await cmaam(['merge', '-s', join(odd, 'model'), '-t', target, '-o', output, '--model-type', 'llava', '--threads', '1', '--quiet'])
    expect(run.code).toBe(0)

    const front = frontOf(readFileSync(join(output, 'README.md'), 'utf8'))
    const replay = readFileSync(join(output, 'cmaam_config.yaml'), 'utf8')
    for (const text of [front, replay]) expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true)
    const card = parse(front) as {base_model?: string[]; license: string; tags: string[]}
    // Local folders are never in base_model (only Hub ids are); their paths reach only cmaam_config.yaml.
    expect(card.base_model).toBeUndefined()
    expect(card.license).toBe('mit\x7f\x9f')
    expect(card.tags).toContain('llava\x7f\x80')
    expect(replay).toContain(`"${join(tmp(), 'pair', 'src\\x7F\\x85\\x9B', 'model')}"`)
    expect((parse(replay) as {source: string}).source).toBe(join(odd, 'model'))
  })
})
