import {join} from 'node:path'
import {generateLoraAdapter} from '../../src/example/generate-lora-adapter'
import {generatePair} from '../../src/example/generate-pair'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

/** `--device` on this machine: the probes for real, through the commands. */
describe('--device', () => {
  const tmp = useTempDir()
  let source = ''
  let target = ''
  beforeEach(async () => {
    ;({source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')}))
  })

  it('auto, the default: merges, says on stderr which device it chose and why, and records it', async () => {
    // test/setup/device.ts sets CMAAM_DEVICE=cpu for the other tests.
    delete process.env.CMAAM_DEVICE
    let run
    try {
      run = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'out'), '--json'])
    } finally {
      process.env.CMAAM_DEVICE = 'cpu'
    }
    expect(run.code).toBe(0)
    const chosen = /^device {5}(cpu|cuda|webgpu) \(auto: (.*)\)$/m.exec(run.stderr)
    expect(chosen).not.toBeNull()
    expect(run.stderr.match(/^device /gm)).toHaveLength(1)
    expect(JSON.parse(run.stdout).device).toBe(chosen![1])
    if (chosen![1] === 'cpu') expect(chosen![2]).toMatch(/^no cuda \(.+\), no webgpu \(.+\)$/)
    // --quiet hides the notice.
    const quiet = await cmaam(['analyze', '-s', source, '-t', target, '--device', 'auto', '--quiet'])
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).toBe('')
  })

  it('cpu: nothing probed, nothing said; analyze --json records the device', async () => {
    const run = await cmaam(['analyze', '-s', source, '-t', target, '--device', 'cpu', '--json'])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout).device).toBe('cpu')
  })

  it('cuda without an NVIDIA GPU: one Error line naming what is missing, a hint, no stack, non-zero exit', async () => {
    const adapter = join(tmp(), 'adapter')
    await generateLoraAdapter({base: target, dir: adapter, r: 4, loraAlpha: 8, targetModules: ['q_proj']})
    const runs = [
      await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'out'), '--device', 'cuda']),
      await cmaam(['lora', 'merge', '-b', target, '-a', adapter, '-o', join(tmp(), 'lora'), '--device', 'cuda']),
    ]
    // CMAAM_DEVICE is the default of --device.
    process.env.CMAAM_DEVICE = 'cuda'
    try {
      runs.push(await cmaam(['analyze', '-s', source, '-t', target]))
    } finally {
      process.env.CMAAM_DEVICE = 'cpu'
    }
    for (const run of runs) {
      if (run.code === 0) {
        process.stderr.write('note: this machine runs onnxruntime on cuda; the missing-CUDA error is covered by test/compute/device\n')
        continue
      }
      expect(run.code).toBe(1)
      const [first, ...hints] = run.stderr.trimEnd().split('\n')
      expect(first).toMatch(/^Error: --device cuda is not available: .*(no NVIDIA driver|CUDA libraries are not installed|cuDNN|CUDA 12)/)
      expect(hints.join('\n')).toContain('--device cpu')
      expect(run.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it('an unknown device is refused by the flag parser, listing the choices', async () => {
    const run = await cmaam(['lora', 'merge', '-b', target, '-a', source, '-o', join(tmp(), 'x'), '--device', 'tpu'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/Expected --device=tpu to be one of: auto, cpu, cuda, webgpu/)
  })
})
