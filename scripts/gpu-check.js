#!/usr/bin/env node
// `npm run gpu-check`: for a machine with a GPU. Prints what the device probes find (nvidia-smi, the
// Vulkan drivers, onnxruntime-node's version and providers), generates a Qwen2-VL-shaped bf16 pair of
// about 440 MB per model (the merger's 5120 × 5120 bridge) and a LoRA adapter (r = 64), merges with
// --analyze and lora-merges on cpu and on every available device, checks that each device gives cpu's
// result (merged safetensors byte for byte, every α within 1e-6, LoRA weights within one bf16 ulp),
// times a 5120² top-50 spectrum and the MatMuls of a LoRA product and of a spectrum on each device,
// and prints a summary table. Exits 1 when a comparison fails. Not a test; under 5 minutes.
// Usage: npm run gpu-check [-- --small] [-- --include-software] [-- --keep] [-- --dir DIR]
//   --small             tiny models and matrices (seconds; what the test suite runs)
//   --include-software  also run webgpu on a software Vulkan driver (Mesa lavapipe), which auto never picks
'use strict'
const {spawnSync} = require('node:child_process')
const {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} = require('node:fs')
const {cpus, tmpdir} = require('node:os')
const {join, resolve} = require('node:path')

const root = resolve(__dirname, '..')
const dist = (path) => require(join(root, 'dist', path))
const {probeSystem} = dist('compute/device/probe-system')
const {probeCuda} = dist('compute/device/probe-cuda')
const {probeWebgpu} = dist('compute/device/probe-webgpu')
const {resolveDevice} = dist('compute/device/resolve-device')
const {vulkanDrivers} = dist('compute/device/vulkan-drivers')
const {gpuDeviceNodes} = dist('compute/device/gpu-device-nodes')
const {matmul} = dist('compute/matmul')
const {topSingularValues} = dist('compute/top-singular-values')
const {generatePair} = dist('example/generate-pair')
const {generateLoraAdapter} = dist('example/generate-lora-adapter')
const {openCheckpoint} = dist('io/checkpoint/open-checkpoint')

const args = process.argv.slice(2)
const SMALL = args.includes('--small')
const SOFTWARE = args.includes('--include-software')
const KEEP = args.includes('--keep')
const dirAt = args.indexOf('--dir')
// Qwen2-VL-2B's widths with 2 vision blocks and 2 decoder layers: ~440 MB in bf16 per model.
const DIMS = SMALL
  ? {visionHidden: 64, visionLayers: 1, visionMlp: 256, hidden: 64, intermediate: 128, layers: 1, kvHidden: 16, vocab: 512, positions: 0, lmHead: false}
  : {visionHidden: 1280, visionLayers: 2, visionMlp: 5120, hidden: 1536, intermediate: 8960, layers: 2, kvHidden: 256, vocab: 32768, positions: 0, lmHead: false}
const SPECTRUM = SMALL ? {n: 512, k: 20} : {n: 5120, k: 50}
const LORA = {r: SMALL ? 8 : 64, loraAlpha: SMALL ? 16 : 128, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']}
const PRODUCTS = SMALL
  ? [{label: 'LoRA B·A 256×8·8×256', m: 256, k: 8, n: 256}, {label: 'spectrum 512²·512×32', m: 512, k: 512, n: 32}]
  : [{label: 'LoRA B·A 5120×64·64×5120', m: 5120, k: 64, n: 5120}, {label: 'LoRA B·A 8960×64·64×1536', m: 8960, k: 64, n: 1536}, {label: 'spectrum 5120²·5120×64', m: 5120, k: 5120, n: 64}]

const failures = []
const line = (text = '') => process.stdout.write(`${text}\n`)
const section = (title) => line(`\n== ${title}`)

function run(command, argv) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, argv, {cwd: root, encoding: 'utf8', maxBuffer: 1 << 28})
  return {...result, seconds: Number(process.hrtime.bigint() - started) / 1e9}
}

function facts() {
  section('machine')
  line(`node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`)
  const smi = run('nvidia-smi', [])
  if (smi.status === 0) line(smi.stdout.trimEnd())
  else line('nvidia-smi: not found or failed')
  const system = probeSystem()
  const drivers = vulkanDrivers({system})
  line(`Vulkan drivers: ${drivers.length === 0 ? 'none' : drivers.map((d) => `${d.file} (${d.library}${d.software ? ', software' : ''})`).join(', ')}`)
  const nodes = gpuDeviceNodes({system})
  line(`GPU device nodes: ${nodes.length === 0 ? 'none' : nodes.join(', ')}`)
  const ort = require('onnxruntime-node')
  line(`onnxruntime-node ${require('onnxruntime-node/package.json').version}: providers ${ort.listSupportedBackends().map((b) => `${b.name}${b.bundled ? '' : ' (not bundled)'}`).join(', ')}`)
  line(`onnxruntime-node native folder: ${system.binDir}: ${readdirSync(system.binDir).join(', ')}`)
}

async function probes() {
  section('device probes')
  const found = [await probeCuda(), await probeWebgpu()]
  for (const p of found) {
    const state = p.available ? (p.software ? 'available (software Vulkan driver)' : 'available') : `not available: ${p.reasons.join('; ')}`
    line(`${p.device.padEnd(7)} ${state}${p.facts.length > 0 ? `\n        ${p.facts.join('\n        ')}` : ''}`)
  }
  const auto = await resolveDevice('auto')
  line(`auto -> ${auto.device} (${auto.reason})`)
  const devices = ['cpu']
  for (const p of found) {
    if (!p.available) continue
    if (p.software && !SOFTWARE) line(`(${p.device} runs on a software driver only: not checked; --include-software checks it)`)
    else devices.push(p.device)
  }
  return devices
}

async function safetensorsFiles(dir) {
  return readdirSync(dir).filter((name) => name.endsWith('.safetensors')).sort()
}

/** Largest difference, in units in the last place, between two folders' BF16 tensors (0: identical bytes). */
async function maxUlp(a, b) {
  const left = await openCheckpoint(a)
  const right = await openCheckpoint(b)
  let worst = 0
  for (const [name, t] of left.tensors) {
    const u = right.tensors.get(name)
    if (!u || u.byteLength !== t.byteLength || u.dtype !== t.dtype) return Infinity
    const x = readFileSync(t.path).subarray(t.offset, t.offset + t.byteLength)
    const y = readFileSync(u.path).subarray(u.offset, u.offset + u.byteLength)
    if (x.equals(y)) continue
    if (t.dtype !== 'BF16') return Infinity
    const p = new Int16Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.length))
    const q = new Int16Array(y.buffer.slice(y.byteOffset, y.byteOffset + y.length))
    for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i] - q[i]))
  }
  return worst
}

async function checkMerges(devices, work) {
  section(`models (${SMALL ? 'small' : 'Qwen2-VL-shaped, bridge 5120 × 5120'})`)
  const pair = join(work, 'pair')
  let started = Date.now()
  const {source, target, bytes} = await generatePair({family: 'qwen2vl', dir: pair, dims: DIMS})
  const adapter = join(work, 'adapter')
  const modules = await generateLoraAdapter({base: target, dir: adapter, ...LORA})
  line(`pair: ${(bytes / 2e6).toFixed(0)} MB bf16 per model; adapter: r = ${LORA.r} on ${modules} modules (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  const bin = join(root, 'bin', 'run.js')
  const results = {}
  for (const device of devices) {
    const out = join(work, `merged-${device}`)
    const merge = run(process.execPath, [bin, 'merge', '-s', source, '-t', target, '-o', out, '--analyze', '--save-alphas', '--device', device, '--force', '--json'])
    if (merge.status !== 0) {
      failures.push(`merge on ${device} failed: ${merge.stderr.trim()}`)
      continue
    }
    const record = JSON.parse(merge.stdout)
    if (record.device !== device) failures.push(`merge on ${device}: the record says device ${record.device}`)
    const lora = join(work, `lora-${device}`)
    const loraRun = run(process.execPath, [bin, 'lora', 'merge', '-b', target, '-a', adapter, '-o', lora, '--device', device, '--force', '--json'])
    if (loraRun.status !== 0) failures.push(`lora merge on ${device} failed: ${loraRun.stderr.trim()}`)
    results[device] = {out, lora: loraRun.status === 0 ? lora : null, mergeSeconds: merge.seconds, loraSeconds: loraRun.seconds, alphas: JSON.parse(readFileSync(join(out, 'cmaam_alphas.json'), 'utf8')).alphas}
    line(`${device}: merge --analyze ${merge.seconds.toFixed(1)} s, lora merge ${loraRun.seconds.toFixed(1)} s`)
  }
  const cpu = results.cpu
  for (const device of devices.filter((d) => d !== 'cpu' && results[d])) {
    const r = results[device]
    const files = await safetensorsFiles(cpu.out)
    r.identical = JSON.stringify(files) === JSON.stringify(await safetensorsFiles(r.out)) && files.every((f) => readFileSync(join(cpu.out, f)).equals(readFileSync(join(r.out, f))))
    r.alphaDiff = Math.max(0, ...Object.keys(cpu.alphas).map((name) => Math.abs((r.alphas[name] ?? Infinity) - cpu.alphas[name])))
    if (!(r.alphaDiff <= 1e-6)) failures.push(`merge on ${device}: α differs from cpu's by ${r.alphaDiff}`)
    // The elementwise merge runs on the CPU with one rounding: equal α, equal bytes. The spectra's
    // float32 products may move α in its last digits, which can move a rounding by one ulp.
    if (!r.identical) {
      r.mergeUlp = await maxUlp(cpu.out, r.out)
      if (r.alphaDiff === 0 || r.mergeUlp > 1) failures.push(`merge on ${device}: the safetensors differ from cpu's (${r.mergeUlp} ulp, α by ${r.alphaDiff})`)
    }
    if (r.lora && cpu.lora) {
      r.loraUlp = await maxUlp(cpu.lora, r.lora)
      if (r.loraUlp > 1) failures.push(`lora merge on ${device}: weights differ from cpu's by ${r.loraUlp} ulp`)
    }
  }
  return results
}

/** Median milliseconds of `runs` calls after one warm-up. */
async function time(fn, runs) {
  await fn()
  const times = []
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]
}

async function kernels(devices) {
  section('kernels')
  const timings = {}
  const filled = (length, seed) => Float32Array.from({length}, (_, i) => Math.sin(i * 0.7373 + seed) * 0.02)
  // Warm the JIT up, so that the first device's spectrum is not slower for it.
  await topSingularValues(filled(256 * 256, 4), 256, 256, 8, {seed: 0})
  for (const device of devices) {
    timings[device] = {}
    for (const p of PRODUCTS) {
      const a = filled(p.m * p.k, 1)
      const b = filled(p.k * p.n, 2)
      const ms = await time(() => matmul(a, b, p.m, p.k, p.n, device), 3)
      timings[device][p.label] = ms
      line(`${device.padEnd(7)} ${p.label.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms  ${((2 * p.m * p.k * p.n) / ms / 1e6).toFixed(1).padStart(7)} GFLOP/s`)
    }
    const {n, k} = SPECTRUM
    const matrix = filled(n * n, 3)
    const started = process.hrtime.bigint()
    // The device is passed for builds whose spectrum runs its products on onnxruntime; others ignore it.
    await topSingularValues(matrix, n, n, k, {seed: 0, device})
    timings[device].spectrum = Number(process.hrtime.bigint() - started) / 1e6
    line(`${device.padEnd(7)} ${`top-${k} spectrum ${n}²`.padEnd(28)} ${timings[device].spectrum.toFixed(1).padStart(8)} ms`)
  }
  return timings
}

function summary(devices, results, timings) {
  section('summary')
  const header = ['device', 'merge --analyze', 'lora merge', 'same bytes', 'max Δα', 'lora ulp', `spectrum ${SPECTRUM.n}²`, ...PRODUCTS.map((p) => p.label)]
  const rows = devices.map((d) => {
    const r = results[d] ?? {}
    const t = timings[d] ?? {}
    return [
      d,
      r.mergeSeconds === undefined ? 'failed' : `${r.mergeSeconds.toFixed(1)} s`,
      r.loraSeconds === undefined ? 'failed' : `${r.loraSeconds.toFixed(1)} s`,
      d === 'cpu' ? 'reference' : r.identical === undefined ? '-' : r.identical ? 'yes' : `${r.mergeUlp} ulp`,
      d === 'cpu' ? '-' : r.alphaDiff === undefined ? '-' : r.alphaDiff.toExponential(1),
      d === 'cpu' ? '-' : r.loraUlp === undefined ? '-' : String(r.loraUlp),
      t.spectrum === undefined ? '-' : `${(t.spectrum / 1000).toFixed(2)} s`,
      ...PRODUCTS.map((p) => (t[p.label] === undefined ? '-' : `${t[p.label].toFixed(1)} ms`)),
    ]
  })
  line(`| ${header.join(' | ')} |`)
  line(`|${header.map(() => '---').join('|')}|`)
  for (const row of rows) line(`| ${row.join(' | ')} |`)
}

async function main() {
  const started = Date.now()
  if (!existsSync(join(root, 'dist', 'compute', 'device', 'probe-cuda.js'))) throw new Error('build first: npm run build')
  const work = dirAt >= 0 ? resolve(args[dirAt + 1]) : mkdtempSync(join(tmpdir(), 'cmaam-gpu-check-'))
  try {
    facts()
    const devices = await probes()
    const results = await checkMerges(devices, work)
    const timings = await kernels(devices)
    summary(devices, results, timings)
  } finally {
    if (!KEEP) rmSync(work, {recursive: true, force: true})
  }
  line(`\n${failures.length === 0 ? 'all comparisons passed' : `FAILED:\n  ${failures.join('\n  ')}`} (${((Date.now() - started) / 1000).toFixed(0)} s)`)
  process.exitCode = failures.length === 0 ? 0 : 1
}

main().catch((error) => {
  process.stderr.write(`gpu-check: ${error.stack ?? error}\n`)
  process.exitCode = 1
})
