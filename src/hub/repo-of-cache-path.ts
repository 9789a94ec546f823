/**
 * The Hub repo and commit of a folder inside a Hugging Face cache snapshot
 * (`…/models--org--name/snapshots/<sha>`), so a model a Python tool downloaded is named by its repo
 * id in reports and model cards; null for any other folder.
 */
export function repoOfCachePath(path: string): {repo: string; sha: string} | null {
  const match = /(?:^|[\\/])models--([^\\/]+?)--([^\\/]+)[\\/]snapshots[\\/]([0-9a-f]{40})[\\/]?$/.exec(path)
  return match ? {repo: `${match[1]}/${match[2]}`, sha: match[3]} : null
}
