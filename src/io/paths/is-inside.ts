import {isAbsolute, relative} from 'node:path'

/** Whether `path` is `folder` or inside it (both resolved, absolute). */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path)
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${'/'}`) && !rel.startsWith('..\\'))
}
