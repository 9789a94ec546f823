#!/usr/bin/env node
// `npm run bench`: wall time, peak RSS and throughput of `cmaam merge` (CMAAM, linear and every other
// method) on a bf16 Qwen2-VL-shaped pair of about 2 GB per model in 5 shards, next to the numpy
// streaming linear merge and the I/O floor (bench/io-floor.js) in the same run; of `cmaam lora merge`
// of an r = 64 adapter on the seven projections into the same base; and of `cmaam onnx apply` writing
// that model into a generated template (fp32 and q4). `--size 7b`: the merges on a Qwen2-VL-7B-shaped
// pair (2 × 16.6 GB, generated once: about 33 GB of disk).
// Every timed command runs after `sync` (the previous run's pending writeback would slow it; on 7B,
// with the page cache dropped where allowed), and each is run --runs times (default 2), interleaved,
// keeping the best; each method runs right after a linear merge of its own, and its ratio to linear
// is the median over the rounds of its time over that run's.
// Not a test: it prints figures and the targets they are held to.
// Usage: npm run bench [-- --size 2gb|7b] [-- --runs N] [-- --keep] [-- --only merge|lora|onnx]
// `npm run bench -- --eval`: transformers.js eval throughput at Qwen2-VL-2B's size instead (bench/eval.js).
'use strict'
const {spawnSync} = require('node:child_process')
const {existsSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync} = require('node:fs')
const {cpus, loadavg, totalmem} = require('node:os')
const {join, resolve} = require('node:path')
const {generatePair} = require('../dist/example/generate-pair')
const {familyLayout} = require('../dist/example/families')
const {planShards} = require('../dist/io/safetensors/plan-shards')
const {terminalProgress} = require('../dist/progress/terminal-progress')
const {generateLoraAdapter} = require('../dist/example/generate-lora-adapter')
const {writeBenchTemplate} = require('./onnx-template')

const root = resolve(__dirname, '..')
const work = join(root, '.bench')
// ../shared next to the checkout, or CMAAM_SHARED_DIR (a git worktree elsewhere).
const shared = resolve(process.env.CMAAM_SHARED_DIR ?? resolve(root, '..', 'shared'), 'bench', 'np_linear_merge.py')

const argument = (name, fallback) => {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : fallback
}
const SIZES = {
  // Qwen2-VL-2B's widths (vision 1280, merger 5120, LM 1536, vocab 151936, tied embeddings) with
  // fewer blocks: 16 vision blocks and 9 decoder layers make ~1.0 B parameters, ~2.0 GB in bf16.
  '2gb': {
    dir: 'qwen2vl-2gb',
    dims: {visionHidden: 1280, visionLayers: 16, visionMlp: 5120, hidden: 1536, intermediate: 8960, layers: 9, kvHidden: 256, vocab: 151936, positions: 0, lmHead: false},
    parts: ['merge', 'lora', 'onnx'],
    targets: {rssMiB: 512, fullVsNumpy: 2, linearVsNumpy: 1, loraVsLinear: 2},
  },
  // Qwen2-VL-7B: hidden 3584, intermediate 18944, 28 layers, 4 KV heads, vision 1280 × 32 blocks,
  // vocabulary 152064, untied lm_head: 8.3 B parameters, 16.6 GB in bf16.
  '7b': {
    dir: 'qwen2vl-7b',
    dims: {visionHidden: 1280, visionLayers: 32, visionMlp: 5120, hidden: 3584, intermediate: 18944, layers: 28, kvHidden: 512, vocab: 152064, positions: 0, lmHead: true},
    parts: ['merge'],
    targets: {rssMiB: 768, fullVsNumpy: 2, linearVsNumpy: 1},
    // The pair does not fit the page cache, so what a command finds there is whatever the one before
    // left, and reclaiming it costs system time: each command starts with the cache dropped instead,
    // where that is allowed (as root), so that every command starts from the same state.
    cold: true,
  },
}
const SIZE = argument('--size', '2gb')
if (!(SIZE in SIZES)) throw new Error(`--size ${SIZE}: use ${Object.keys(SIZES).join(' or ')}`)
const {dir: pairName, dims: DIMS, parts: PARTS, targets: TARGETS, cold: COLD = false} = SIZES[SIZE]
const pairDir = join(work, pairName)
const RUNS = Number(argument('--runs', '2'))
const KEEP = process.argv.includes('--keep')
// The seed's fine-tune: LoRA r = 64, alpha = 128 on the decoder's seven projections.
const LORA = {r: 64, loraAlpha: 128, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']}
const ONLY = argument('--only', null)
// Otherwise nothing would run and the results file would be written empty.
if (ONLY !== null && !PARTS.includes(ONLY)) throw new Error(`--only ${ONLY}: --size ${SIZE} runs ${PARTS.join(', ')}`)
// The other methods, each timed against --method linear (target ≤ 1.5×). Model Stock needs two
// fine-tunes: it merges the source with itself (the page cache holds it once, as for the others).
const METHODS = [
  {name: 'task_arithmetic', args: ['--method', 'task_arithmetic']},
  {name: 'ties', args: ['--method', 'ties', '--density', '0.5']},
  {name: 'dare_linear', args: ['--method', 'dare_linear', '--density', '0.5']},
  {name: 'dare_ties', args: ['--method', 'dare_ties', '--density', '0.5']},
  {name: 'breadcrumbs', args: ['--method', 'breadcrumbs', '--density', '0.5', '--gamma', '0.01']},
  {name: 'slerp', args: ['--method', 'slerp', '--t', '0.3']},
  {name: 'model_stock', args: ['--method', 'model_stock'], sources: 2},
].map((m) => ({...m, label: `cmaam merge ${m.sources === 2 ? '-s SOURCE -s SOURCE ' : ''}${m.args.join(' ')}`}))
const METHOD_VS_LINEAR = 1.5
const runs = (part) => PARTS.includes(part) && (ONLY === null || ONLY === part)

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

/** Drops the page cache (after `sync`); false where that is not allowed. */
function dropPageCache() {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1')
    return true
  } catch {
    return false
  }
}

let coldRuns = COLD

/** After `sync` (and on a cold size, the page cache dropped), runs a command under /usr/bin/time; returns wall seconds and peak RSS in MiB. */
function timed(label, command, args) {
  process.stderr.write(`\n▶ ${label}\n`)
  spawnSync('sync')
  if (coldRuns && !dropPageCache()) {
    process.stderr.write('The page cache cannot be dropped here (it takes root): the runs start with what the one before left.\n')
    coldRuns = false
  }
  const started = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8'})
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const lines = result.stderr.trim().split('\n')
  if (result.status !== 0) throw new Error(`${label} failed:\n${result.stderr}`)
  return {seconds, rssMiB: Number(lines[lines.length - 1]) / 1024}
}

/**
 * Runs each command RUNS times, round-robin (so a slow moment of the machine hits all of them),
 * removing each output after its run (a 7B pair's outputs would not fit the disk together; --keep
 * keeps the last round's); keeps each command's best time and the peak RSS of that run.
 */
function timedBest(commands) {
  const best = {}
  for (let round = 1; round <= RUNS; round++) {
    for (const c of commands) {
      rmSync(c.output, {recursive: true, force: true})
      const r = timed(`${c.label} (run ${round}/${RUNS})`, c.command, c.args)
      if (!(KEEP && round === RUNS)) rmSync(c.output, {recursive: true, force: true})
      const rounds = [...(best[c.name]?.rounds ?? []), r.seconds]
      best[c.name] = !best[c.name] || r.seconds < best[c.name].seconds ? {...r, rounds} : {...best[c.name], rounds}
    }
  }
  return best
}

/**
 * A command's time over the reference's, round by round (each against the reference run of the same
 * round, so a quiet or busy moment of the machine does not pick the pair), the median ratio: one
 * round where the reference happened to be slow does not decide it.
 */
function roundRatio(r, reference) {
  if (!reference) return null
  const ratios = r.rounds.map((seconds, i) => seconds / reference.rounds[i]).sort((a, b) => a - b)
  const middle = ratios.length >> 1
  return ratios.length % 2 === 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2
}

/** Stops before generating a pair or writing outputs that the disk cannot hold. */
function checkFreeSpace(neededBytes) {
  const {bavail, bsize} = statfsSync(work)
  const free = bavail * bsize
  if (free < neededBytes) {
    throw new Error(`the benchmark needs about ${(neededBytes / 1e9).toFixed(1)} GB free in ${work}, ${(free / 1e9).toFixed(1)} GB are`)
  }
}

/** Bytes of one bf16 model of the layout. */
function modelSize() {
  return familyLayout('qwen2vl', DIMS).tensors.reduce((sum, t) => sum + 2 * t.shape.reduce((p, d) => p * d, 1), 0)
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

const round2 = (x) => (x === null ? null : Number(x.toFixed(2)))
const ratio = (r, reference) => (reference ? round2(r.seconds / reference.seconds) : null)

async function main() {
  const loadStart = loadavg()
  mkdirSync(work, {recursive: true})
  const model = modelSize()
  const generated = existsSync(join(pairDir, 'source', 'model.safetensors.index.json'))
  // The pair if absent, one merged output at a time, and 10 % to spare.
  checkFreeSpace(1.1 * ((generated ? 0 : 2 * model) + model))
  if (!generated) {
    process.stderr.write(`Generating the benchmark pair in ${pairDir} (once): 2 × ${(model / 1e9).toFixed(1)} GB …\n`)
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
  /** Each method's own linear runs, one before each of its runs. */
  const linearBefore = {}

  const python = runs('merge') && existsSync(shared) ? numpyPython() : null
  if (!python && runs('merge')) {
    process.stderr.write(`\nnumpy comparator skipped: ${existsSync(shared) ? 'no python3 with numpy (apt-get install -y python3-numpy)' : '../shared/bench is absent'}\n`)
  }
  const merge = (name, label, args, sources = [source]) => ({
    name,
    label,
    command: process.execPath,
    args: [cli, 'merge', ...sources.flatMap((s) => ['-s', s]), '-t', target, '-o', out(name), ...args, '--force', '--quiet'],
    output: out(name),
  })
  const compared = [
    ...(python ? [{name: 'numpy', label: 'numpy streaming linear merge (np_linear_merge.py)', command: python, args: [shared, source, target, out('numpy')], output: out('numpy')}] : []),
    ...(runs('merge') ? [{name: 'ioFloor', label: 'I/O floor: read both models, write one (bench/io-floor.js)', command: process.execPath, args: [join(__dirname, 'io-floor.js'), source, target, out('io-floor')], output: out('io-floor')}] : []),
    ...(runs('merge') || runs('lora') ? [merge('linear', 'cmaam merge --method linear --alpha 0.5', ['--method', 'linear', '--alpha', '0.5'])] : []),
    ...(runs('merge') ? [merge('full', 'cmaam merge --strategy full --analyze', ['--strategy', 'full', '--analyze'])] : []),
  ]
  const best = timedBest(compared)
  if (best.numpy) results.numpy = best.numpy
  if (best.ioFloor) results.ioFloor = best.ioFloor
  if (best.linear) results.cmaamLinear = best.linear
  if (best.full) results.cmaamFull = best.full
  if (runs('merge')) {
    // Every other method right after a linear merge of its own, so that each ratio comes from one
    // stretch of the machine's load (it drifts over tens of seconds).
    const methods = timedBest(
      METHODS.flatMap((m) => [
        merge(`linearBefore_${m.name}`, 'cmaam merge --method linear --alpha 0.5', ['--method', 'linear', '--alpha', '0.5']),
        merge(m.name, m.label, m.args, m.sources === 2 ? [source, source] : [source]),
      ]),
    )
    results.methodsLinear = METHODS.map((m) => methods[`linearBefore_${m.name}`]).reduce((a, b) => (b.seconds < a.seconds ? b : a))
    for (const m of METHODS) {
      results[m.name] = methods[m.name]
      linearBefore[m.name] = methods[`linearBefore_${m.name}`]
    }
  }
  if (runs('lora')) {
    const adapterDir = join(pairDir, 'lora-r64')
    if (!existsSync(join(adapterDir, 'adapter_config.json'))) {
      process.stderr.write(`Generating an r = ${LORA.r} adapter on the seven projections in ${adapterDir} (once) …\n`)
      await generateLoraAdapter({base: target, dir: adapterDir, ...LORA})
    }
    const lora = {name: 'lora', label: `cmaam lora merge (r = ${LORA.r} on 7 projections)`, command: process.execPath, args: [cli, 'lora', 'merge', '-b', target, '-a', adapterDir, '-o', out('lora'), '--force', '--quiet'], output: out('lora')}
    results.loraMerge = timedBest([lora]).lora
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
    // The methods against the linear runs interleaved with them; the others against the first linear.
    vs_linear: METHODS.some((m) => m.name === name) ? round2(roundRatio(r, linearBefore[name])) : ratio(r, results.cmaamLinear),
    vs_io_floor: name.startsWith('onnx') ? null : ratio(r, results.ioFloor),
    // Each round's ratio to the linear run just before it, whose median is vs_linear.
    ...(linearBefore[name] ? {round_ratios: r.rounds.map((seconds, i) => round2(seconds / linearBefore[name].rounds[i]))} : {}),
  }))
  const machine = `${cpus().length} × ${cpus()[0].model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`
  const load = `load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} at the start, ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`
  console.log(`\nPair: 2 × ${(modelBytes / 1e9).toFixed(2)} GB bf16 in ${shards} shards (Qwen2-VL-shaped, --size ${SIZE}). Best of ${RUNS} runs after sync${coldRuns ? ' with the page cache dropped' : ''}; each method against the linear run just before it, the median over the rounds. Machine: ${machine}; ${load}.`)
  console.table(rows)
  const flops = loraFlops(index, LORA)
  if (results.loraMerge) console.log(`lora merge: ${(flops / 1e9).toFixed(0)} GFLOP of B·A products (${(flops / 1e9 / results.loraMerge.seconds).toFixed(1)} GFLOP/s over its whole wall time), ${(results.loraMerge.seconds / results.cmaamLinear.seconds).toFixed(2)}× the linear merge.`)
  const checks = [
    ...['cmaamLinear', 'cmaamFull', ...METHODS.map((m) => m.name)].filter((name) => results[name]).map((name) => [`${name} peak RSS ≤ ${TARGETS.rssMiB} MiB`, results[name].rssMiB <= TARGETS.rssMiB]),
    ...METHODS.filter((m) => results[m.name]).map((m) => [`${m.name} ≤ ${METHOD_VS_LINEAR}× cmaam linear (median over the rounds of its ratio to the linear run just before it)`, roundRatio(results[m.name], linearBefore[m.name]) <= METHOD_VS_LINEAR]),
    ...(results.loraMerge ? [[`cmaam lora merge ≤ ${TARGETS.loraVsLinear}× cmaam linear`, results.loraMerge.seconds <= TARGETS.loraVsLinear * results.cmaamLinear.seconds]] : []),
    ...(results.numpy && results.cmaamFull
      ? [
          [`cmaam full ≤ ${TARGETS.fullVsNumpy}× numpy`, results.cmaamFull.seconds <= TARGETS.fullVsNumpy * results.numpy.seconds],
          [`cmaam linear ≤ ${TARGETS.linearVsNumpy}× numpy`, results.cmaamLinear.seconds <= TARGETS.linearVsNumpy * results.numpy.seconds],
        ]
      : []),
  ]
  for (const [what, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`)
  writeFileSync(join(work, `results-${SIZE}.json`), JSON.stringify({size: SIZE, runs: RUNS, cold: coldRuns, machine, load, modelBytes, shards, rows, checks}, null, 2) + '\n')
  if (!KEEP) for (const name of ['numpy', 'io-floor', 'full', 'linear', ...METHODS.flatMap((m) => [m.name, `linearBefore_${m.name}`]), 'lora', 'onnx-fp32', 'onnx-q4']) rmSync(out(name), {recursive: true, force: true})
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1
}

// `--eval`: transformers.js throughput (bench/eval.js) instead of the merge benchmark.
;(process.argv.includes('--eval') ? require('./eval').main : main)().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
