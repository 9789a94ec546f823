import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {generatePair} from '../../src/example/generate-pair'
import {cardWarning} from '../../src/hub/card-warning'
import {openCheckpoint} from '../../src/io/checkpoint/open-checkpoint'
import {cmaam} from '../helpers/cli'

const frontMatter = (card: string): string => card.split('---')[1]

describe('model cards fit to publish', () => {
  let root: string
  let pair: {source: string; target: string}
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cmaam-card-'))
    pair = await generatePair({family: 'qwen2vl', dir: join(root, 'pair')})
  })
  afterAll(() => rmSync(root, {recursive: true, force: true}))

  test('--target-id/--source-id put Hub ids into base_model, the links and "Reproduce"; never a local path', async () => {
    const output = join(root, 'ids')
    const run = await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', output, '--method', 'linear', '--alpha', '0.3', '--target-id', 'acme/base-vl', '--source-id', 'acme/ft-vl', '--quiet'])
    expect(run.code).toBe(0)
    const card = readFileSync(join(output, 'README.md'), 'utf8')
    expect(frontMatter(card)).toMatch(/base_model:\n- "?acme\/base-vl"?\n- "?acme\/ft-vl"?\n/)
    expect(card).toContain('This model merges [acme/ft-vl](https://huggingface.co/acme/ft-vl) (source) into [acme/base-vl](https://huggingface.co/acme/base-vl) (target)')
    expect(card).toContain('cmaam merge --source acme/ft-vl --target acme/base-vl --output ids --method linear --alpha 0.3\n')
    expect(card).not.toContain(root)
    expect(card).not.toMatch(/npx cmaam|npm install cmaam|npmjs\.com/)
    expect(card).toContain('cmaam is installed from its source')
    // The replay file keeps the folders: it makes the merge again here.
    expect(readFileSync(join(output, 'cmaam_config.yaml'), 'utf8')).toContain(pair.target)

    const bad = await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', join(root, 'bad'), '--target-id', './base'])
    expect(bad.stderr).toMatch(/^Error: --target-id "\.\/base" is not a Hub model id\n/)
  })

  test("a folder's own config _name_or_path or card base_model names its Hub id; otherwise the entry is left out", async () => {
    const target = join(root, 'named-target')
    const source = join(root, 'named-source')
    cpSync(pair.target, target, {recursive: true})
    cpSync(pair.source, source, {recursive: true})
    const config = JSON.parse(readFileSync(join(target, 'config.json'), 'utf8'))
    writeFileSync(join(target, 'config.json'), JSON.stringify({...config, _name_or_path: 'Qwen/Qwen2-VL-2B-Instruct'}))
    writeFileSync(join(source, 'README.md'), '---\nbase_model:\n- me/qwen2vl-ko\nlicense: apache-2.0\n---\n# ft\n')
    const output = join(root, 'named')
    expect((await cmaam(['merge', '-s', source, '-t', target, '-o', output, '--method', 'linear', '--quiet'])).code).toBe(0)
    expect(frontMatter(readFileSync(join(output, 'README.md'), 'utf8'))).toMatch(/base_model:\n- "?Qwen\/Qwen2-VL-2B-Instruct"?\n- "?me\/qwen2vl-ko"?\n/)

    // Only the target's id known: the source is left out and named as a local model.
    const partial = join(root, 'partial')
    expect((await cmaam(['merge', '-s', pair.source, '-t', target, '-o', partial, '--method', 'linear', '--quiet'])).code).toBe(0)
    const card = readFileSync(join(partial, 'README.md'), 'utf8')
    expect(frontMatter(card)).toMatch(/base_model:\n- "?Qwen\/Qwen2-VL-2B-Instruct"?\nbase_model_relation/)
    expect(card).toContain('This model merges `source` (a local model) (source) into [Qwen/Qwen2-VL-2B-Instruct](https://huggingface.co/Qwen/Qwen2-VL-2B-Instruct) (target)')
  })

  test('per-component keep-target: counts say the vision tensors are the target’s, in the card and the terminal', async () => {
    const names = [...(await openCheckpoint(pair.target)).tensors.keys()]
    const vision = names.filter((n) => n.startsWith('visual.') && !n.startsWith('visual.merger.')).length
    expect(vision).toBe(25)
    const output = join(root, 'keep')
    const run = await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', output, '--method', 'ties,vision=keep-target,bridge=keep-source', '--density', '0.5', '--strategy', 'layerwise'])
    expect(run.code).toBe(0)
    const bridge = names.filter((n) => n.startsWith('visual.merger.')).length
    const merged = names.length - vision - bridge
    expect(run.stdout).toContain(`tensors    ${merged} merged, ${vision} kept from target, ${bridge} taken from source, 0 target-only, 0 source-only`)
    const card = readFileSync(join(output, 'README.md'), 'utf8')
    expect(card).toContain(`${merged} tensors merged, ${vision} kept from the target (keep-target, shape or dtype differ, not float, or missing in a source), ${bridge} taken from the source (keep-source), 0 only in the target and 0 only in the source`)
    expect(card).toContain(`| vision | 0 | ${vision} | 0 | 0 | 0 |`)
    expect(card).toContain(`| bridge | 0 | 0 | ${bridge} | 0 | 0 |`)
    // ties runs no CMAAM analysis: --strategy changed nothing and is not repeated.
    expect(card).toContain('cmaam merge --source source --target target --output keep --method ties,vision=keep-target,bridge=keep-source --density 0.5\n')
    const record = JSON.parse(readFileSync(join(output, 'cmaam_merge_info.json'), 'utf8'))
    expect(record.compatibility).toMatchObject({merged, kept_target: vision, kept_source: bridge})
  })

  test('hub push is warned about a card without base_model', async () => {
    const dir = join(root, 'ids')
    expect(await cardWarning(dir)).toBeNull()
    expect(await cardWarning(join(root, 'keep'))).toBe(`Warning: ${join(root, 'keep', 'README.md')} lists no base_model, so the Hub will not link the models this one was made from; add their Hub ids under base_model: in its front matter (cmaam merge --target-id/--source-id write them for local folders).`)
    expect(await cardWarning(pair.source)).toBe(`Warning: ${pair.source} has no README.md model card; the Hub page will be empty.`)
  })
})
