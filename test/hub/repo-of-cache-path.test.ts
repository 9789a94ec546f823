import {repoOfCachePath} from '../../src/hub/repo-of-cache-path'

describe('repoOfCachePath', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567'

  it('reads the repo and commit of a cache snapshot folder', () => {
    expect(repoOfCachePath(`/home/me/.cache/huggingface/hub/models--Qwen--Qwen2-VL-7B-Instruct/snapshots/${sha}`)).toEqual({repo: 'Qwen/Qwen2-VL-7B-Instruct', sha})
    expect(repoOfCachePath(`hub/models--llava-hf--llava-1.5-7b-hf/snapshots/${sha}/`)).toEqual({repo: 'llava-hf/llava-1.5-7b-hf', sha})
  })

  it('is null for other folders', () => {
    for (const path of ['/models/qwen', `/cache/models--Qwen--Qwen2-VL/snapshots/${sha}/sub`, '/cache/models--Qwen--Qwen2-VL/snapshots/main', `/cache/datasets--a--b/snapshots/${sha}`]) {
      expect(repoOfCachePath(path)).toBeNull()
    }
  })
})
