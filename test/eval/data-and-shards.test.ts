import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {evalDataFile} from '../../src/eval/eval-data-file'
import {readEvalData} from '../../src/eval/read-eval-data'
import {selectItems} from '../../src/eval/select-items'
import {parseShard, shardOfItem} from '../../src/eval/shard'
import type {EvalItem} from '../../src/eval/types'
import {useTempDir} from '../helpers/temp-dir'

const line = (value: unknown): string => JSON.stringify(value)
const user = (content: unknown) => ({role: 'user', content})
const assistant = (content: unknown) => ({role: 'assistant', content})

describe('readEvalData', () => {
  const tmp = useTempDir()
  const write = (lines: string[]): string => {
    const path = join(tmp(), 'test.jsonl')
    writeFileSync(path, lines.join('\n') + '\n')
    return path
  }

  test('reads image and text parts, plain string content, categories and ids', async () => {
    const path = write([
      line({messages: [user([{type: 'image', path: 'images/a.jpg'}, {type: 'text', text: '무엇입니까?'}]), assistant('고양이')], category: 'animal'}),
      '',
      line({id: 7, messages: [user('Say no'), assistant([{type: 'text', text: 'no'}])]}),
      line({messages: [{role: 'system', content: 'Be brief.'}, user([{type: 'text', text: 'a'}, {type: 'image', image: 'b.png'}, {type: 'text', text: 'b'}]), assistant('x')]}),
    ])
    const items = await readEvalData(path)
    expect(items.map(({id, ...rest}) => ({...rest, idLength: id.length}))).toEqual([
      {line: 1, question: '무엇입니까?', images: ['images/a.jpg'], gold: '고양이', category: 'animal', idLength: 16},
      {line: 3, question: 'Say no', images: [], gold: 'no', category: null, idLength: 1},
      {line: 4, question: 'a\nb', images: ['b.png'], gold: 'x', category: null, idLength: 16},
    ])
    expect(items[1].id).toBe('7')
  })

  test('ids come from the content, not the position; repeated lines get #2, #3', async () => {
    const a = line({messages: [user('a'), assistant('1')]})
    const b = line({messages: [user('b'), assistant('2')]})
    const first = await readEvalData(write([a, b, a, a]))
    const second = await readEvalData(write([b, a]))
    expect(second.map((item) => item.id)).toEqual([first[1].id, first[0].id])
    expect(first.map((item) => item.id)).toEqual([first[0].id, first[1].id, `${first[0].id}#2`, `${first[0].id}#3`])
  })

  test.each([
    ['{"messages": [', /test\.jsonl:1: not valid JSON/],
    [line({question: 'x'}), /test\.jsonl:1: no "messages" list/],
    [line({messages: [assistant('x')]}), /no message with role "user"/],
    [line({messages: [user('x')]}), /no message with role "assistant"/],
    [line({messages: [user([{type: 'image'}]), assistant('x')]}), /an image part has no "path"/],
    [line({messages: [user([{type: 'audio', path: 'a.wav'}]), assistant('x')]}), /unknown content part/],
  ])('a malformed line is an error naming the file and line: %s', async (text, message) => {
    await expect(readEvalData(write([text]))).rejects.toThrow(message)
  })

  test('a missing file is an error naming it', async () => {
    await expect(readEvalData(join(tmp(), 'nope.jsonl'))).rejects.toThrow(/Data file not found: .*nope\.jsonl/)
  })

  test('an empty test set (no lines, or blank ones) and an empty category are errors', async () => {
    await expect(readEvalData(write([]))).rejects.toThrow(`The test set ${join(tmp(), 'test.jsonl')} holds no items`)
    await expect(readEvalData(write(['', '  ']))).rejects.toThrow(/holds no items/)
    await expect(readEvalData(write([line({messages: [user('q'), assistant('a')], category: 'ok'}), line({messages: [user('q2'), assistant('a')], category: ' '})]))).rejects.toThrow(
      `${join(tmp(), 'test.jsonl')}:2: "category" is empty (leave it out for an item without one)`,
    )
  })

  test('--data may be a folder holding test.jsonl', async () => {
    const file = write([line({messages: [user('q'), assistant('a')]})])
    expect(await evalDataFile(tmp())).toBe(file)
    expect(await evalDataFile(file)).toBe(file)
    mkdirSync(join(tmp(), 'empty'))
    await expect(evalDataFile(join(tmp(), 'empty'))).rejects.toThrow(`The data folder ${join(tmp(), 'empty')} has no test.jsonl`)
  })
})

describe('shards', () => {
  const items: EvalItem[] = Array.from({length: 200}, (_, i) => ({id: `item-${i}`, line: i + 1, question: `q${i}`, images: [], gold: 'g', category: null}))

  test('N shards partition the items: each item in exactly one, in file order', () => {
    const shards = [0, 1, 2].map((index) => selectItems(items, {shard: {index, count: 3}}))
    expect(shards.flat().map((item) => item.id).sort()).toEqual(items.map((item) => item.id).sort())
    for (const shard of shards) {
      expect(shard.length).toBeGreaterThan(40)
      expect(shard.map((item) => item.line)).toEqual([...shard.map((item) => item.line)].sort((a, b) => a - b))
    }
  })

  test('an item stays in its shard when the file order or --max-samples changes', () => {
    const shardOf = new Map(items.map((item) => [item.id, shardOfItem(item.id, 4)]))
    const reversed = [...items].reverse()
    for (const index of [0, 1, 2, 3]) {
      for (const item of selectItems(reversed, {shard: {index, count: 4}})) expect(shardOf.get(item.id)).toBe(index)
      const limited = selectItems(items, {maxSamples: 50, shard: {index, count: 4}})
      expect(limited).toEqual(selectItems(items, {shard: {index, count: 4}}).filter((item) => item.line <= 50))
    }
  })

  test('--max-samples takes the first N items of the file', () => {
    expect(selectItems(items, {maxSamples: 3}).map((item) => item.id)).toEqual(['item-0', 'item-1', 'item-2'])
  })

  test('the shard of an id is fixed: the first 32 bits of its sha256, big-endian, mod N (values from Python hashlib)', () => {
    expect([7, 2, 10].map((n) => shardOfItem('item-0', n))).toEqual([1, 0, 8])
    expect([7, 2, 10].map((n) => shardOfItem('item-1', n))).toEqual([3, 1, 9])
    expect([7, 2, 10].map((n) => shardOfItem('a1b2', n))).toEqual([2, 0, 6])
  })

  test.each([['0/4', {index: 0, count: 4}], [' 3/4 ', {index: 3, count: 4}], ['0/1', {index: 0, count: 1}]])('parses %j', (text, expected) => {
    expect(parseShard(text)).toEqual(expected)
  })

  test.each(['4/4', '1/0', '-1/4', '1of4', '1/4/2', ''])('refuses --shard %j', (text) => {
    expect(() => parseShard(text)).toThrow(/--shard .* is not I\/N with 0 ≤ I < N/)
  })
})
