// onnxruntime (and transformers.js through it) checks tensor data with `instanceof Float32Array`
// etc.; under jest the test realm's constructors differ from the host's that native code and
// Buffer use (jestjs/jest#11864). Recognise typed arrays of either realm by their tag instead.
const TYPED_ARRAYS = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
] as const

for (const name of TYPED_ARRAYS) {
  const constructor = (globalThis as Record<string, unknown>)[name] as object | undefined
  if (!constructor) continue
  // A worker runs several test files against the same constructors: patch once.
  if (Object.prototype.hasOwnProperty.call(constructor, Symbol.hasInstance)) continue
  Object.defineProperty(constructor, Symbol.hasInstance, {
    value: (value: unknown) => ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === `[object ${name}]`,
  })
}
