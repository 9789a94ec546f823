import {readFile} from 'node:fs/promises'

/** Image types servers take, by their first bytes. */
const SIGNATURES: Array<{type: string; test: (bytes: Buffer) => boolean}> = [
  {type: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))},
  {type: 'jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff},
  {type: 'gif', test: (b) => b.subarray(0, 6).toString('latin1') === 'GIF87a' || b.subarray(0, 6).toString('latin1') === 'GIF89a'},
  {type: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'},
  {type: 'bmp', test: (b) => b.subarray(0, 2).toString('latin1') === 'BM'},
]

/**
 * An image file as a `data:image/<type>;base64,…` URL, the way OpenAI-compatible servers take
 * images; throws when the file is not a PNG, JPEG, GIF, WebP or BMP (the item is skipped as unreadable).
 */
export async function imageDataUrl(path: string): Promise<string> {
  const bytes = await readFile(path)
  const match = SIGNATURES.find((signature) => signature.test(bytes))
  if (!match) throw new Error('not a PNG, JPEG, GIF, WebP or BMP image')
  return `data:image/${match.type};base64,${bytes.toString('base64')}`
}
