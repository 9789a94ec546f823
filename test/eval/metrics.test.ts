import {containsMatch, containsTarget, exactMatch} from '../../src/eval/metrics'

describe('exact match: equal after strip() and lower-casing', () => {
  test.each([
    ['yes', 'yes', true],
    ['Yes', 'yes', true],
    ['  YES\n', 'yes', true],
    ['yes.', 'yes', false],
    ['yes', 'no', false],
    ['\tthe cat\u3000', 'The Cat', true],
    // Whitespace inside is kept.
    ['the  cat', 'the cat', false],
    ['네', '네', true],
    [' 네 ', '네', true],
    ['아니요', '네', false],
    ['', '', true],
    ['', 'yes', false],
    // Python's strip() removes U+0085 and U+001F but keeps U+FEFF; JS trim() does the opposite.
    ['\u0085yes\u001f', 'yes', true],
    ['\ufeffyes', 'yes', false],
    // Lower-casing beyond ASCII.
    ['ÉTÉ', 'été', true],
  ])('pred %j, gold %j → %s', (pred, gold, expected) => {
    expect(exactMatch(pred, gold)).toBe(expected)
  })
})

describe('contains: the gold after its last "answer:" occurs in the lower-cased prediction', () => {
  test.each([
    ['The answer is Yes, clearly', 'yes', true],
    ['no', 'yes', false],
    // Only what follows the last "answer:" counts, stripped and lower-cased.
    ['it is blue', 'Let me think. answer: Blue ', true],
    ['it is blue', 'first answer: red, final answer: blue', true],
    ['it is red', 'first answer: red, final answer: blue', false],
    // "answer:" in any case.
    ['blue', 'Reasoning… ANSWER: Blue', true],
    ['blue', 'Answer:Blue', true],
    // Without "answer:", the whole gold.
    ['a dog on a sofa', 'Dog on a sofa', true],
    ['a dog', 'Dog on a sofa', false],
    // Korean.
    ['네, 빨간색입니다', '네', true],
    ['정답은 고양이입니다', '설명: 털이 있다. answer: 고양이', true],
    ['강아지', 'answer: 고양이', false],
    // Nothing after "answer:" is the empty string, which every prediction contains (as in the seed).
    ['anything', 'answer:', true],
  ])('pred %j, gold %j → %s', (pred, gold, expected) => {
    expect(containsMatch(pred, gold)).toBe(expected)
  })

  test.each([
    ['Answer: Blue ', 'blue'],
    ['a answer: b answer:  C\n', 'c'],
    ['  No answer marker ', 'no answer marker'],
    ['설명 answer: 네', '네'],
  ])('target of %j is %j', (gold, expected) => {
    expect(containsTarget(gold)).toBe(expected)
  })
})
