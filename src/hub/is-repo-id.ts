// huggingface_hub's validate_repo_id, restricted to the `namespace/name` form that cmaam reads and writes.
const REPO_PART = /^[A-Za-z0-9_.-]{1,96}$/

/** Whether `repo` is a Hub model id of the form `namespace/name`. */
export function isRepoId(repo: string): boolean {
  const parts = repo.split('/')
  return (
    repo.length <= 96 &&
    parts.length === 2 &&
    parts.every((part) => REPO_PART.test(part) && !/^[-.]|[-.]$/.test(part)) &&
    !repo.includes('--') &&
    !repo.includes('..')
  )
}
