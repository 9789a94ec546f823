import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {readFrontMatter} from '../io/front-matter'

/**
 * What a model folder's card lacks before it is published: no README.md, or no `base_model` in its
 * front matter (the Hub then links the model to nothing it was made from). Null when it has both.
 */
export async function cardWarning(dir: string): Promise<string | null> {
  const card = await readFile(join(dir, 'README.md'), 'utf8').catch(() => null)
  if (card === null) return `Warning: ${dir} has no README.md model card; the Hub page will be empty.`
  const base = readFrontMatter(card)?.base_model
  const listed = Array.isArray(base) ? base.length > 0 : typeof base === 'string' && base !== ''
  if (listed) return null
  return `Warning: ${join(dir, 'README.md')} lists no base_model, so the Hub will not link the models this one was made from; add their Hub ids under base_model: in its front matter (cmaam merge --target-id/--source-id write them for local folders).`
}
