/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32): every sample cmaam draws
 * is reproducible from `--seed`, and keyed by tensor name so it does not depend on processing order.
 */
export interface Random {
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number
  /** Uniform integer in [0, bound), bound ≤ 2^53. */
  below(bound: number): number
  /** 32 random bits as an unsigned integer. */
  uint32(): number
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0
  let z = next
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return [next, (z ^ (z >>> 16)) >>> 0]
}

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`. */
function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ Math.imul(seed | 0, 0x01000193)) >>> 0
  h = Math.imul(h ^ Math.floor(seed / 0x100000000), 0x01000193) >>> 0
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

export function createRandom(seed: number, key = ''): Random {
  let mix = hashSeed(seed, key)
  const s = new Uint32Array(4)
  for (let i = 0; i < 4; i++) [mix, s[i]] = splitmix32(mix)
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0
    const t = s[1] << 9
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    return result
  }

  const next = (): number => ((nextU32() >>> 5) * 0x4000000 + (nextU32() >>> 6)) / 0x20000000000000
  return {next, below: (bound: number) => Math.floor(next() * bound), uint32: nextU32}
}

/**
 * The two 32-bit keys of a counter-based stream (DARE's masks): draw i is
 * lowbias32(lowbias32((i mod 2³²) ⊕ k₀ ⊕ ⌊i / 2³²⌋·0x9e3779b9) ⊕ k₁), computed by `random_mask` in
 * src/compute/wasm/kernels.wat. Unlike `createRandom`'s sequence, any draw can be made on its own.
 */
export function counterKeys(seed: number, key: string): [number, number] {
  let mix = hashSeed(seed, key)
  const keys: [number, number] = [0, 0]
  for (let i = 0; i < 2; i++) [mix, keys[i]] = splitmix32(mix)
  return keys
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
