/**
 * Weights in PyTorch's pickle format (or their index), which cmaam refuses: unpickling runs
 * arbitrary code.
 */
export function isPickleWeights(fileName: string): boolean {
  return /\.(bin|pt|pth|ckpt|pkl|pickle)$/i.test(fileName) || fileName.endsWith('pytorch_model.bin.index.json')
}
