import {execFileSync} from 'node:child_process'
import {cpSync, mkdirSync, readFileSync, symlinkSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {useTempDir} from '../helpers/temp-dir'

const root = resolve(__dirname, '..', '..')

describe('oclif.manifest.json', () => {
  const tmp = useTempDir()

  it('matches the built commands (regenerate with `npm run manifest`)', () => {
    // Generate a manifest from a copy of the built package, so the committed file is not touched.
    const copy = join(tmp(), 'pkg')
    mkdirSync(copy)
    cpSync(join(root, 'package.json'), join(copy, 'package.json'))
    cpSync(join(root, 'dist'), join(copy, 'dist'), {recursive: true})
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'))
    execFileSync(process.execPath, [join(root, 'node_modules', 'oclif', 'bin', 'run.js'), 'manifest', copy], {cwd: copy, stdio: 'pipe'})
    const fresh = JSON.parse(readFileSync(join(copy, 'oclif.manifest.json'), 'utf8'))
    const committed = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))
    expect(committed).toEqual(fresh)
  })
})
