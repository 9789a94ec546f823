/*
 * LSD radix sorts, 11 bits a pass: several times faster than TypedArray.prototype.sort on the
 * 50,000-element PDA samples and sample indices, which every large tensor sorts twice. The keys are
 * handled as int32 bit patterns: V8 loads and stores int32 elements several times faster than
 * uint32 ones (which may not fit a small integer).
 */

/** `values` sorted ascending (a new array). */
export function sortUint32(values: Uint32Array): Uint32Array {
  const sorted = sortUnsignedBits(new Int32Array(values.buffer, values.byteOffset, values.length))
  return new Uint32Array(sorted.buffer, sorted.byteOffset, sorted.length)
}

/** `values` (no NaN) sorted ascending (a new array): the IEEE bits mapped to order-preserving unsigned keys. */
export function sortFloat32(values: Float32Array): Float32Array {
  const n = values.length
  const bits = new Int32Array(values.buffer, values.byteOffset, n)
  const keys = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const x = bits[i]
    keys[i] = x < 0 ? ~x : x | 0x80000000
  }
  const sorted = sortUnsignedBits(keys)
  for (let i = 0; i < n; i++) {
    const x = sorted[i]
    sorted[i] = x < 0 ? x & 0x7fffffff : ~x
  }
  return new Float32Array(sorted.buffer, sorted.byteOffset, n)
}

/**
 * The values of finite bf16 bit patterns, ascending (a new float32 array; −0 before +0 as in
 * `sortFloat32`). A counting sort: bf16 has 65,536 patterns, so one histogram orders them.
 */
export function sortBf16(bits: Uint16Array): Float32Array {
  const counts = new Int32Array(65536)
  // Order-preserving keys: negative patterns reversed below the positive ones.
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]
    counts[b & 0x8000 ? 0xffff - b : b | 0x8000]++
  }
  const out = new Float32Array(bits.length)
  const outBits = new Int32Array(out.buffer)
  let at = 0
  for (let key = 0; key < 65536; key++) {
    const c = counts[key]
    if (c === 0) continue
    const pattern = (key & 0x8000 ? key & 0x7fff : 0xffff - key) << 16
    outBits.fill(pattern, at, at + c)
    at += c
  }
  return out
}

/** `keys` in ascending order of their bits read as unsigned (a new array): one counting pass, three scatter passes. */
function sortUnsignedBits(keys: Int32Array): Int32Array {
  const n = keys.length
  // Copied into arrays made here: V8 (Node 20) optimizes loops over those far better than over a parameter.
  let from = new Int32Array(n)
  from.set(keys)
  let to = new Int32Array(n)
  const counts = new Int32Array(3 * 2048)
  for (let i = 0; i < n; i++) {
    const v = from[i]
    counts[v & 2047]++
    counts[2048 + ((v >>> 11) & 2047)]++
    counts[4096 + (v >>> 22)]++
  }
  for (let base = 0; base < counts.length; base += 2048) {
    let total = 0
    for (let d = base; d < base + 2048; d++) {
      const c = counts[d]
      counts[d] = total
      total += c
    }
  }
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * 2048
    const shift = pass * 11
    for (let i = 0; i < n; i++) {
      const v = from[i]
      to[counts[base + ((v >>> shift) & 2047)]++] = v
    }
    const swap = from
    from = to
    to = swap
  }
  return from
}
