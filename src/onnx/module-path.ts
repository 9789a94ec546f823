/**
 * The module path that PyTorch's exporter put in a node name: `/model/layers.0/self_attn/q_proj/MatMul`
 * → `model.layers.0.self_attn.q_proj`. Children of a container repeat its name
 * (`/blocks.0/mlp/mlp.0/MatMul` is `blocks.0.mlp.0`). Null when the name has no scope.
 */
export function modulePath(nodeName: string | undefined): string | null {
  if (!nodeName || !nodeName.startsWith('/')) return null
  const parts = nodeName.split('/').filter(Boolean)
  parts.pop()
  const segments: string[] = []
  for (const part of parts) {
    const last = segments[segments.length - 1]
    if (last !== undefined && part.startsWith(`${last}.`)) segments[segments.length - 1] = part
    else segments.push(part)
  }
  return segments.length > 0 ? segments.join('.') : null
}
