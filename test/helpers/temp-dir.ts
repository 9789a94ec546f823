import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** A fresh temporary folder per test, removed afterwards. Returns a getter for the current one. */
export function useTempDir(): () => string {
  let dir = ''
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cmaam-test-'))
  })
  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })
  return () => dir
}
