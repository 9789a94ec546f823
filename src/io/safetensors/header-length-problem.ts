/** The reference implementation's limit; a larger value usually means the file is not safetensors at all. */
const MAX_HEADER_LENGTH = 100_000_000

/**
 * What is wrong with a safetensors file of `fileSize` bytes whose first 8 bytes give `headerLength`
 * (not read yet: null), or null when nothing is: the one check of local files and Hub files alike.
 */
export function headerLengthProblem(fileSize: number, headerLength: bigint | null): string | null {
  if (fileSize < 8) return `it is ${fileSize} bytes long, shorter than the 8-byte header length`
  if (headerLength === null) return null
  if (headerLength > BigInt(MAX_HEADER_LENGTH)) return `the header length ${headerLength} exceeds the ${MAX_HEADER_LENGTH.toLocaleString('en-US')}-byte limit`
  if (8n + headerLength > BigInt(fileSize)) return `the header length ${headerLength} reaches past the end of the file (${fileSize} bytes)`
  return null
}
