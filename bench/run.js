#!/usr/bin/env node
// `npm run bench`: wall time, peak RSS and throughput of `cmaam merge` (CMAAM, linear, TIES at density
// 0.5 and DARE-TIES) on a bf16 Qwen2-VL-shaped pair of about 2 GB per model in 5 shards, next to the
// numpy streaming linear merge in the same run; of `cmaam lora merge` of an r = 64 adapter on the
// seven projections into the same base; and of `cmaam onnx apply` writing that model into a
// generated template (fp32 and q4).
// Not a test: it prints figures and the targets they are held to.
// Usage: npm run bench [-- --keep] [-- --only merge|lora|onnx]
'use strict'
const {spawnSync} = require('node:child_process')
const {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} = require('node:fs')
const {cpus, totalmem} = require('node:os')
const {join, resolve} = require('node:path')
const {generatePair} = require('../dist/example/generate-pair')
const {familyLayout} = require('../dist/example/families')
const {planShards} = require('../dist/io/safetensors/plan-shards')
const {terminalProgress} = require('../dist/cli/progress')
const {generateLoraAdapter} = require('../dist/example/generate-lora-adapter')
const {writeBenchTemplate} = require('./onnx-template')

const root = resolve(__dirname, '..')
const work = join(root, '.bench')
const pairDir = join(work, 'qwen2vl-2gb')
// ../shared next to the checkout, or CMAAM_SHARED_DIR (a git worktree elsewhere).
const shared = resolve(process.env.CMAAM_SHARED_DIR ?? resolve(root, '..', 'shared'), 'bench', 'np_linear_merge.py')

// Qwen2-VL-2B's widths (vision 1280, merger 5120, LM 1536, vocab 151936, tied embeddings) with
// fewer blocks: 16 vision blocks and 9 decoder layers make ~1.0 B parameters, ~2.0 GB in bf16.
const DIMS = {visionHidden: 1280, visionLayers: 16, visionMlp: 5120, hidden: 1536, intermediate: 8960, layers: 9, kvHidden: 256, vocab: 151936, positions: 0, lmHead: false}
const TARGETS = {rssMiB: 768, fullVsNumpy: 5, linearVsNumpy: 1.5, loraVsLinear: 2}
// The seed's fine-tune: LoRA r = 64, alpha = 128 on the decoder's seven projections.
const LORA = {r: 64, loraAlpha: 128, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']}
const onlyAt = process.argv.indexOf('--only')
const ONLY = onlyAt >= 0 ? process.argv[onlyAt + 1] : null
const runs = (part) => ONLY === null || ONLY === part

/** The shard size that splits the model into 5 shards. */
function fiveShardSize() {
  const tensors = familyLayout('qwen2vl', DIMS).tensors.map((t) => ({name: t.name, dtype: 'BF16', shape: t.shape}))
  let lo = 1
  let hi = 1e10
  while (hi - lo > 1e6) {
    const mid = Math.floor((lo + hi) / 2)
    if (planShards(tensors, {maxShardBytes: mid}).shards.length > 5) lo = mid
    else hi = mid
  }
  return hi
}

/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS in MiB. */
function timed(label, command, args) {
  process.stderr.write(`\n▶ ${label}\n`)
  const started = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8'})
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const lines = result.stderr.trim().split('\n')
  if (result.status !== 0) throw new Error(`${label} failed:\n${result.stderr}`)
  return {seconds, rssMiB: Number(lines[lines.length - 1]) / 1024}
}

function numpyPython() {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import numpy'], {stdio: 'ignore'})
    if (probe.status === 0) return python
  }
  return null
}

/** FLOPs of the B·A products: 2·r·out·in for every adapted weight ([out, in] in the weight map's shapes). */
function loraFlops(index, lora) {
  const tensors = familyLayout('qwen2vl', DIMS).tensors
  let flops = 0
  for (const t of tensors) {
    if (t.shape.length === 2 && t.name in index.weight_map && lora.targetModules.some((m) => t.name.endsWith(`.${m}.weight`))) flops += 2 * lora.r * t.shape[0] * t.shape[1]
  }
  return flops
}

async function main() {
  mkdirSync(work, {recursive: true})
  if (!existsSync(join(pairDir, 'source', 'model.safetensors.index.json'))) {
    process.stderr.write(`Generating the benchmark pair in ${pairDir} (once) …\n`)
    await generatePair({family: 'qwen2vl', dir: pairDir, dims: DIMS, dtype: 'BF16', maxShardBytes: fiveShardSize(), progress: terminalProgress()})
  }
  const index = JSON.parse(readFileSync(join(pairDir, 'target', 'model.safetensors.index.json'), 'utf8'))
  const modelBytes = index.metadata.total_size
  const shards = new Set(Object.values(index.weight_map)).size
  const inputGB = (2 * modelBytes) / 1e9
  const cli = join(root, 'bin', 'run.js')
  const source = join(pairDir, 'source')
  const target = join(pairDir, 'target')
  const out = (name) => join(work, name)
  const results = {}

  const python = runs('merge') && existsSync(shared) ? numpyPython() : null
  if (python) {
    rmSync(out('numpy'), {recursive: true, force: true})
    results.numpy = timed('numpy streaming linear merge (np_linear_merge.py)', python, [shared, source, target, out('numpy')])
  } else if (runs('merge')) {
    process.stderr.write(`\nnumpy comparator skipped: ${existsSync(shared) ? 'no python3 with numpy (apt-get install -y python3-numpy)' : '../shared/bench is absent'}\n`)
  }
  if (runs('merge') || runs('lora')) {
    results.cmaamLinear = timed('cmaam merge --method linear --alpha 0.5', process.execPath, [cli, 'merge', '-s', source, '-t', target, '-o', out('linear'), '--method', 'linear', '--alpha', '0.5', '--force', '--quiet'])
  }
  if (runs('merge')) {
    results.cmaamFull = timed('cmaam merge --strategy full --analyze', process.execPath, [cli, 'merge', '-s', source, '-t', target, '-o', out('full'), '--strategy', 'full', '--analyze', '--force', '--quiet'])
    results.cmaamTies = timed('cmaam merge --method ties --density 0.5', process.execPath, [cli, 'merge', '-s', source, '-t', target, '-o', out('ties'), '--method', 'ties', '--density', '0.5', '--force', '--quiet'])
    results.cmaamDare = timed('cmaam merge --method dare_ties --density 0.5', process.execPath, [cli, 'merge', '-s', source, '-t', target, '-o', out('dare'), '--method', 'dare_ties', '--density', '0.5', '--force', '--quiet'])
  }
  if (runs('lora')) {
    const adapterDir = join(pairDir, 'lora-r64')
    if (!existsSync(join(adapterDir, 'adapter_config.json'))) {
      process.stderr.write(`Generating an r = ${LORA.r} adapter on the seven projections in ${adapterDir} (once) …\n`)
      await generateLoraAdapter({base: target, dir: adapterDir, ...LORA})
    }
    results.loraMerge = timed(`cmaam lora merge (r = ${LORA.r} on 7 projections)`, process.execPath, [cli, 'lora', 'merge', '-b', target, '-a', adapterDir, '-o', out('lora'), '--force', '--quiet'])
  }
  if (runs('onnx')) {
    const template = join(work, 'qwen2vl-2gb-onnx-template')
    if (!existsSync(join(template, 'onnx', 'decoder_model_merged_q4.onnx'))) {
      process.stderr.write(`Generating the ONNX template in ${template} (once) …\n`)
      const tensors = familyLayout('qwen2vl', DIMS).tensors
      for (const precision of ['fp32', 'q4']) writeBenchTemplate(template, tensors, precision)
    }
    for (const dtype of ['fp32', 'q4']) {
      results[`onnxApply_${dtype}`] = timed(`cmaam onnx apply --dtype ${dtype}`, process.execPath, [cli, 'onnx', 'apply', '--weights', target, '--template', template, '--dtype', dtype, '--output', out(`onnx-${dtype}`), '--force', '--quiet'])
    }
  }

  const rows = Object.entries(results).map(([name, r]) => ({
    run: name,
    seconds: Number(r.seconds.toFixed(2)),
    peak_rss_mib: Math.round(r.rssMiB),
    // onnx apply reads one model (the merge reads two).
    gb_per_s: Number(((name.startsWith('onnx') ? inputGB / 2 : inputGB) / r.seconds).toFixed(2)),
    vs_numpy: results.numpy ? Number((r.seconds / results.numpy.seconds).toFixed(2)) : null,
  }))
  const machine = `${cpus().length} × ${cpus()[0].model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`
  console.log(`\nPair: 2 × ${(modelBytes / 1e9).toFixed(2)} GB bf16 in ${shards} shards (Qwen2-VL-shaped). Machine: ${machine}.`)
  console.table(rows)
  const flops = loraFlops(index, LORA)
  if (results.loraMerge) console.log(`lora merge: ${(flops / 1e9).toFixed(0)} GFLOP of B·A products (${(flops / 1e9 / results.loraMerge.seconds).toFixed(1)} GFLOP/s over its whole wall time), ${(results.loraMerge.seconds / results.cmaamLinear.seconds).toFixed(2)}× the linear merge.`)
  const checks = [
    ...['cmaamFull', 'cmaamTies', 'cmaamDare'].filter((name) => results[name]).map((name) => [`${name} peak RSS ≤ ${TARGETS.rssMiB} MiB`, results[name].rssMiB <= TARGETS.rssMiB]),
    ...(results.loraMerge ? [[`cmaam lora merge ≤ ${TARGETS.loraVsLinear}× cmaam linear`, results.loraMerge.seconds <= TARGETS.loraVsLinear * results.cmaamLinear.seconds]] : []),
    ...(results.numpy && results.cmaamFull
      ? [
          [`cmaam full ≤ ${TARGETS.fullVsNumpy}× numpy`, results.cmaamFull.seconds <= TARGETS.fullVsNumpy * results.numpy.seconds],
          [`cmaam linear ≤ ${TARGETS.linearVsNumpy}× numpy`, results.cmaamLinear.seconds <= TARGETS.linearVsNumpy * results.numpy.seconds],
        ]
      : []),
  ]
  for (const [what, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`)
  writeFileSync(join(work, 'results.json'), JSON.stringify({machine, modelBytes, shards, rows, checks}, null, 2) + '\n')
  if (!process.argv.includes('--keep')) for (const name of ['numpy', 'full', 'linear', 'ties', 'dare', 'lora', 'onnx-fp32', 'onnx-q4']) rmSync(out(name), {recursive: true, force: true})
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
