import {spawnSync} from 'node:child_process'
import {join, resolve} from 'node:path'
import {useTempDir} from '../helpers/temp-dir'

const root = resolve(__dirname, '..', '..')

/** `npm run gpu-check` on whatever this machine has, with small models: it must pass on a CPU-only machine too. */
describe('scripts/gpu-check.js', () => {
  const tmp = useTempDir()

  it('reports the devices, checks every available one against cpu and passes', () => {
    // --include-software: on a machine with Mesa's lavapipe, webgpu's comparisons run too.
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'gpu-check.js'), '--small', '--include-software', '--dir', join(tmp(), 'work')], {cwd: root, encoding: 'utf8', env: process.env})
    expect(run.stdout).toContain('== device probes')
    expect(run.stdout).toMatch(/^cuda {4}(available|not available: .+)$/m)
    expect(run.stdout).toMatch(/^auto -> (cpu|cuda|webgpu) \(/m)
    expect(run.stdout).toMatch(/^\| cpu \| [\d.]+ s \| [\d.]+ s \| reference \|/m)
    expect(run.stdout).toContain('all comparisons passed')
    expect(run.status).toBe(0)
  }, 300_000)
})
