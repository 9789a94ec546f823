import {isAbsolute} from 'node:path'

/** A path in the data that names a file under the output's `images/` link (not absolute, not a URL). */
function isRelativeFile(path: string): boolean {
  return !isAbsolute(path) && !/^[a-z][a-z0-9+.-]*:/i.test(path)
}

/**
 * Rewrites the item's image paths in place to start with `images/`, as the reference does (content
 * parts `{"type": "image", "path"|"image": …}` of each message, and top-level `image` / `images`);
 * returns the item's image paths after rewriting, for validation. Absolute paths and URLs stay.
 */
export function rewriteImagePaths(item: Record<string, unknown>): string[] {
  const paths: string[] = []
  const rewrite = (path: string): string => {
    const rewritten = isRelativeFile(path) && !path.startsWith('images/') ? `images/${path}` : path
    paths.push(rewritten)
    return rewritten
  }
  if (Array.isArray(item.messages)) {
    for (const message of item.messages) {
      const content = (message as {content?: unknown})?.content
      if (!Array.isArray(content)) continue
      for (const part of content) {
        if (typeof part !== 'object' || part === null || (part as {type?: unknown}).type !== 'image') continue
        const p = part as Record<string, unknown>
        for (const key of ['path', 'image']) if (typeof p[key] === 'string') p[key] = rewrite(p[key] as string)
      }
    }
  }
  if (typeof item.image === 'string') item.image = rewrite(item.image)
  if (Array.isArray(item.images)) item.images = item.images.map((p) => (typeof p === 'string' ? rewrite(p) : p))
  return paths
}

/** Image paths that name local files (URLs are not checked). */
export function localImagePaths(paths: string[]): string[] {
  return paths.filter((p) => !/^[a-z][a-z0-9+.-]*:/i.test(p) || isAbsolute(p))
}
