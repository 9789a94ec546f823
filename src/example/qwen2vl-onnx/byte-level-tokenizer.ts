/** Special tokens of the tiny Qwen2-VL tokenizer, after its 256 byte tokens (ids as in this order). */
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>'] as const
export type SpecialToken = (typeof SPECIAL_TOKENS)[number]

export function specialTokenId(token: SpecialToken): number {
  return 256 + SPECIAL_TOKENS.indexOf(token)
}

/** Token ids of a text with the tiny tokenizer (no special tokens in it): its UTF-8 bytes. */
export function byteTokenIds(text: string): number[] {
  return [...Buffer.from(text, 'utf8')]
}

/**
 * GPT-2's byte-to-character table: byte-level BPE vocabularies spell each byte as a printable
 * character (`Ġ` for a space, `Ċ` for a newline).
 */
function byteCharacters(): string[] {
  const printable = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)
  let next = 256
  return Array.from({length: 256}, (_, b) => String.fromCodePoint(printable(b) ? b : next++))
}

/**
 * `tokenizer.json` of a byte-level BPE tokenizer with no merges: every UTF-8 byte is one token
 * (id = byte value), and the Qwen2-VL special tokens follow as added tokens.
 */
export function byteLevelTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {}
  byteCharacters().forEach((character, byte) => (vocab[character] = byte))
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({id: specialTokenId(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true})),
    normalizer: null,
    pre_tokenizer: {type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true},
    post_processor: null,
    decoder: {type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true},
    model: {type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: []},
  }
}
