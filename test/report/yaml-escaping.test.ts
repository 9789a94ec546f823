import {parse} from 'yaml'
import {frontMatter} from '../../src/report/model-card'
import {toYaml} from '../../src/report/yaml'

describe('toYaml', () => {
  it('writes ordinary values as before: simple words plain, anything else double-quoted, lists at the key indent', () => {
    const text = toYaml({base_model: ['org/a', 'org/b'], license: 'apache-2.0', pipeline_tag: 'image-text-to-text', name: 'my model', version: '1.0', flag: 'yes', alpha: 0.5, save: true, method: {vision: 'ties', default: 'cmaam'}})
    expect(text).toBe(
      [
        'base_model:',
        '- org/a',
        '- org/b',
        'license: apache-2.0',
        'pipeline_tag: image-text-to-text',
        'name: "my model"',
        'version: "1.0"',
        'flag: "yes"',
        'alpha: 0.5',
        'save: true',
        'method:',
        '  vision: ties',
        '  default: cmaam',
        '',
      ].join('\n'),
    )
  })

  it('escapes what PyYAML refuses to read (DEL, C1 controls) and YAML line breaks, so the value reads back as written', () => {
    const hostile = 'a\x7fb\x80c\x85d\x9fe\u2028f\x01g"h\\i\nj'
    const text = toYaml({model_type: hostile, license: `mit\x7f`})
    expect(text).toBe('model_type: "a\\x7Fb\\x80c\\x85d\\x9Fe\\u2028f\\x01g\\"h\\\\i\\nj"\nlicense: "mit\\x7F"\n')
    // Only printable ASCII and newlines are left in the file.
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true)
    expect(parse(text)).toEqual({model_type: hostile, license: 'mit\x7f'})
  })

  it('does not fold long values', () => {
    const long = 'word '.repeat(100).trim()
    expect(toYaml({title: long})).toBe(`title: "${long}"\n`)
  })
})

describe('frontMatter of a base model card', () => {
  it('reads license and pipeline_tag, quoted or not, with CRLF line ends', () => {
    expect(frontMatter('---\nlicense: "apache-2.0"\npipeline_tag: image-text-to-text\ntags: [a]\n---\n# Card\n')).toEqual({license: 'apache-2.0', pipeline_tag: 'image-text-to-text'})
    expect(frontMatter("---\r\nlicense: 'mit'\r\n---\r\n")).toEqual({license: 'mit', pipeline_tag: undefined})
  })

  it.each([
    ['no front matter', '# Card\nlicense: mit\n'],
    ['no closing line', '---\nlicense: mit\n'],
    ['invalid YAML', '---\nlicense: [mit\n---\n'],
    ['an alias', '---\na: &x mit\nlicense: *x\n---\n'],
    ['a list', '---\n- license\n---\n'],
  ])('gives nothing for %s', (_, card) => {
    expect(frontMatter(card)).toEqual({})
  })

  it('reads a 300 KB license line to the end (the old regular expression took seconds for 16 KB)', () => {
    const license = 'a"'.repeat(150_000)
    expect(frontMatter(`---\nlicense: ${license}\n---\n`)).toEqual({license, pipeline_tag: undefined})
    expect(frontMatter(`---\nlicense: "${' '.repeat(300_000)}x\n---\n`)).toEqual({})
  })
})
