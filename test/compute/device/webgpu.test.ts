import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {merge} from '../../../src/api/merge'
import {loraMerge} from '../../../src/api/lora-merge'
import {matmul} from '../../../src/compute/matmul'
import {probeWebgpu} from '../../../src/compute/device/probe-webgpu'
import {generateLoraAdapter} from '../../../src/example/generate-lora-adapter'
import {generatePair} from '../../../src/example/generate-pair'
import {tensorBytes} from '../../merge/helpers'
import {useTempDir} from '../../helpers/temp-dir'
import {NVIDIA_ICD, VULKAN_LOADER, fakeSystem} from './fake-system'

/**
 * The WebGPU path for real, where this machine has an adapter (a GPU, or Mesa ≥ 25's lavapipe on
 * the CPU: docs/devices.md); else each test says it was skipped and passes.
 */
describe('webgpu for real', () => {
  const tmp = useTempDir()
  let available = false
  beforeAll(async () => {
    const probe = await probeWebgpu()
    available = probe.available
    if (!available) process.stderr.write(`note: WebGPU tests skipped, no adapter here: ${probe.reasons.join('; ')}\n`)
  }, 120_000)

  it('a probe session that finds no Vulkan driver reports a missing adapter (or loader), in a child process', async () => {
    const system = fakeSystem({...VULKAN_LOADER, ...NVIDIA_ICD, '/dev/nvidia0': ''}, {env: {...process.env, VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json'}})
    const probe = await probeWebgpu({system})
    expect(probe.available).toBe(false)
    expect(probe.reasons[0]).toMatch(/^no Vulkan (adapter|loader)/)
  }, 120_000)

  it('matmul on webgpu equals cpu within float32 rounding', async () => {
    if (!available) return
    for (const [m, k, n] of [[3, 5, 4], [64, 300, 33], [257, 64, 129]]) {
      const a = Float32Array.from({length: m * k}, (_, i) => Math.sin(i * 0.37) * 2)
      const b = Float32Array.from({length: k * n}, (_, i) => Math.cos(i * 0.11) - 0.25)
      const cpu = await matmul(a, b, m, k, n, 'cpu')
      const gpu = await matmul(a, b, m, k, n, 'webgpu')
      for (let i = 0; i < m * n; i++) expect(Math.abs(gpu[i] - cpu[i])).toBeLessThanOrEqual(k * 2 ** -22 * 4 * Math.max(1, Math.abs(cpu[i])))
    }
  })

  it('merge --analyze on webgpu: α within 1e-6 of cpu; equal α gives equal bytes, else at most one ulp apart', async () => {
    if (!available) return
    // A 256 × 256 merger: its top-50 spectrum takes the Krylov path, whose products run on the device.
    const dims = {visionHidden: 64, visionLayers: 1, visionMlp: 256, hidden: 64, intermediate: 128, layers: 1, kvHidden: 16, vocab: 512, positions: 0, lmHead: false}
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair'), dims})
    const alphas: Array<Record<string, number>> = []
    for (const device of ['cpu', 'webgpu'] as const) {
      const record = await merge({source, target, output: join(tmp(), device), analyze: true, saveAlphas: true, threads: 1, device})
      expect(record.device).toBe(device)
      alphas.push(JSON.parse(readFileSync(join(tmp(), device, 'cmaam_alphas.json'), 'utf8')).alphas)
    }
    expect(Object.keys(alphas[1])).toEqual(Object.keys(alphas[0]))
    const cpu = await tensorBytes(join(tmp(), 'cpu'))
    const gpu = await tensorBytes(join(tmp(), 'webgpu'))
    for (const name of Object.keys(alphas[0])) {
      const difference = Math.abs(alphas[1][name] - alphas[0][name])
      expect(difference).toBeLessThanOrEqual(1e-6)
      const [a, b] = [cpu.get(name)!, gpu.get(name)!]
      if (difference === 0) {
        expect(b.equals(a)).toBe(true)
        continue
      }
      const x = new Int16Array(a.buffer, a.byteOffset, a.length / 2)
      const y = new Int16Array(b.buffer, b.byteOffset, b.length / 2)
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(1)
    }
  }, 120_000)

  it('lora merge on webgpu: each bf16 weight within one unit in the last place of cpu', async () => {
    if (!available) return
    await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const base = join(tmp(), 'pair', 'target')
    await generateLoraAdapter({base, dir: join(tmp(), 'adapter'), r: 8, loraAlpha: 16, targetModules: ['q_proj', 'v_proj', 'down_proj']})
    for (const device of ['cpu', 'webgpu'] as const) await loraMerge({base, adapter: join(tmp(), 'adapter'), output: join(tmp(), `lora-${device}`), threads: 1, device})
    const cpu = await tensorBytes(join(tmp(), 'lora-cpu'))
    const gpu = await tensorBytes(join(tmp(), 'lora-webgpu'))
    let differing = 0
    for (const [name, bytes] of cpu) {
      const other = gpu.get(name)!
      expect(other.length).toBe(bytes.length)
      if (other.equals(bytes)) continue
      const a = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)
      const b = new Int16Array(other.buffer, other.byteOffset, other.length / 2)
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) (differing++, expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1))
    }
    process.stderr.write(`note: lora merge on webgpu: ${differing} bf16 values differ from cpu by one ulp\n`)
  }, 120_000)
})
