#!/usr/bin/env node
// `npm run bench -- --eval`: transformers.js throughput of `cmaam eval` on the CPU at a real size.
// Writes a Qwen2-VL-2B-shaped export with the project's generator (random weights; fp32 with external
// data, and q4), then for each dtype measures, each in its own process:
// - `cmaam eval` on a few items: samples/s, tokens/s and peak RSS (what a user gets);
// - transformers.js `generate()` on one item: prefill tokens/s (time to the first new token, vision
//   encoder included) and decode tokens/s, and samples/s at batch 1/4/8 (q4);
// - the same three sessions run by onnxruntime-node directly on the same processor output (the
//   overhead transformers.js adds);
// and compares decode with the memory-bandwidth floor: bytes of decoder weights (+ KV cache) read per
// token ÷ measured copy bandwidth. The load average is recorded with each figure.
// Not a test: it prints figures and the targets they are held to. The export (14 GB) is deleted
// afterwards unless --keep.
// Usage: npm run bench -- --eval [--dtypes q4,fp32] [--items 2] [--new-tokens 8] [--batches 1,4,8] [--keep]
'use strict'
const {spawnSync} = require('node:child_process')
const {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync} = require('node:fs')
const {cpus, freemem, loadavg, totalmem} = require('node:os')
const {join, resolve} = require('node:path')
const {Worker} = require('node:worker_threads')

const argument = (name, fallback) => {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : fallback
}
// --layers N: fewer LM layers and vision blocks, to try the benchmark quickly (its figures are not the 2B's).
const LAYERS = argument('--layers', null)

const root = resolve(__dirname, '..')
const work = join(root, '.bench')
const modelDir = join(work, LAYERS ? `qwen2vl-2b-${LAYERS}-layers-onnx` : 'qwen2vl-2b-onnx')
// Qwen2-VL-2B: LM hidden 1536, 28 layers, 12 heads / 2 KV heads of 128, intermediate 8960, vocabulary
// 151 936, tied embeddings; vision 1280 wide, 32 blocks of 16 heads, MLP 5120, patch 14, merge 2.
const DIMS = {visionHidden: 1280, visionLayers: 32, visionMlp: 5120, hidden: 1536, intermediate: 8960, layers: 28, kvHidden: 256, vocab: 151936, positions: 0, lmHead: false}
const SHAPE = {vocab: 151936, hidden: 1536, intermediate: 8960, layers: 28, heads: 12, kvHeads: 2, headDim: 128, rmsNormEps: 1e-6, visionHidden: 1280, visionLayers: 32, visionHeads: 16, patchSize: 14, temporalPatchSize: 2, mergeSize: 2, lmHead: false}
if (LAYERS) DIMS.layers = DIMS.visionLayers = SHAPE.layers = SHAPE.visionLayers = Number(LAYERS)
/** Images of 112 × 112: 8 × 8 patches, 16 image tokens after the 2 × 2 merge. */
const IMAGE = 112
const TARGETS = {q4FloorRatio: 0.5, transformersOverOrt: 1.1}

const DTYPES = argument('--dtypes', 'q4,fp32').split(',')
const ITEMS = Number(argument('--items', '2'))
const NEW_TOKENS = Number(argument('--new-tokens', '8'))
const BATCHES = argument('--batches', '1,4,8').split(',').map(Number)
const KEEP = process.argv.includes('--keep')
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ')
const log = (text) => process.stderr.write(`${text}\n`)

/** A seeded xorshift32 filling `out` uniformly in [-a, a]. */
function fillUniform(out, seed, a) {
  let s = seed >>> 0 || 1
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    out[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * a
  }
  return out
}

function seedOf(name) {
  let h = 2166136261
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619)
  return h >>> 0
}

/** Random weights of the 2B layout, made on demand per parameter (never all in memory). */
function randomWeights() {
  const {familyLayout} = require('../dist/example/families')
  const tensors = new Map(familyLayout('qwen2vl', DIMS).tensors.map((t) => [t.name, t]))
  return (name) => {
    const t = tensors.get(name)
    if (!t) throw new Error(`no parameter ${name} in the 2B layout`)
    const count = t.shape.reduce((p, d) => p * d, 1)
    const values = new Float32Array(count)
    if (t.kind === 'norm') values.fill(1)
    else if (t.kind !== 'bias') fillUniform(values, seedOf(name), 0.02 * Math.sqrt(3))
    return {shape: t.shape, values}
  }
}

async function writeExport() {
  const {writeQwen2VLGraphs} = require('../dist/example/qwen2vl-onnx/write-qwen2vl-graphs')
  const {qwen2VLModelFiles} = require('../dist/example/qwen2vl-onnx/qwen2vl-model-files')
  mkdirSync(modelDir, {recursive: true})
  for (const [name, text] of Object.entries(qwen2VLModelFiles(SHAPE))) {
    // The tiny model's processor limits fit 28-pixel images; the bench's images are 224 × 224.
    const fixed = name === 'preprocessor_config.json' ? JSON.stringify({...JSON.parse(text), min_pixels: IMAGE * IMAGE, max_pixels: IMAGE * IMAGE}, null, 2) : text
    writeFileSync(join(modelDir, name), fixed)
  }
  const weight = randomWeights()
  for (const dtype of DTYPES) {
    if (existsSync(join(modelDir, 'onnx', `decoder_model_merged${dtype === 'q4' ? '_q4' : ''}.onnx`))) continue
    const started = performance.now()
    log(`Writing the ${dtype} export into ${modelDir} …`)
    await writeQwen2VLGraphs({output: modelDir, shape: SHAPE, weight, dtype, externalData: true})
    log(`  ${((performance.now() - started) / 1000).toFixed(0)} s`)
  }
}

/** A 224 × 224 RGB PNG of smooth colours, and a JSONL data file of `ITEMS` questions on it. */
function writeData() {
  const {encodePng} = require('../dist/example/encode-png')
  const dir = join(work, 'eval-data')
  mkdirSync(dir, {recursive: true})
  const rgb = new Uint8Array(IMAGE * IMAGE * 3)
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7 + Math.floor(i / (IMAGE * 3)) * 3) & 255
  writeFileSync(join(dir, 'image.png'), encodePng(IMAGE, IMAGE, rgb))
  // Questions of equal length, so that batches need no padding.
  const question = (i) => `Q${String(i).padStart(3, '0')}: what is in this picture?`
  const lines = Array.from({length: Math.max(ITEMS, ...BATCHES)}, (_, i) =>
    JSON.stringify({id: `q${i}`, messages: [{role: 'user', content: [{type: 'image', path: 'image.png'}, {type: 'text', text: question(i)}]}, {role: 'assistant', content: 'unknown'}]}),
  )
  writeFileSync(join(dir, 'data.jsonl'), lines.slice(0, ITEMS).join('\n') + '\n')
  return {dir, data: join(dir, 'data.jsonl'), image: join(dir, 'image.png'), questions: lines.map((_, i) => question(i))}
}

/** Copy bandwidth (bytes read + written per second), best of 5, with 1 and with `threads` workers each copying its own 512 MiB. */
async function memoryBandwidth(threads) {
  const script = `
    const {parentPort, workerData} = require('node:worker_threads')
    const a = Buffer.alloc(workerData.bytes, 1), b = Buffer.alloc(workerData.bytes)
    a.copy(b)
    parentPort.on('message', () => { const t = performance.now(); a.copy(b); parentPort.postMessage(performance.now() - t) })
    parentPort.postMessage('ready')`
  const bytes = 512 * 2 ** 20
  const results = {}
  for (const n of [1, threads]) {
    const workers = Array.from({length: n}, () => new Worker(script, {eval: true, workerData: {bytes}}))
    const next = (w) => new Promise((done) => w.once('message', done))
    await Promise.all(workers.map(next))
    let best = Infinity
    for (let round = 0; round < 5; round++) {
      const started = performance.now()
      await Promise.all(workers.map((w) => (w.postMessage('go'), next(w))))
      best = Math.min(best, performance.now() - started)
    }
    await Promise.all(workers.map((w) => w.terminate()))
    results[n] = (2 * bytes * n) / (best / 1000)
  }
  return {single: results[1], all: results[threads], threads, load: load()}
}

/** The graph with every MatMulNBits node's accuracy_level set to `level`. */
function withAccuracyLevel(bytes, level) {
  const {decodeModel, encodeModel} = require('../dist/io/onnx-proto')
  const model = decodeModel(bytes)
  for (const node of model.graph.node) {
    if (node.opType !== 'MatMulNBits') continue
    node.attribute = [...node.attribute.filter((a) => a.name !== 'accuracy_level'), {name: 'accuracy_level', type: 'int', i: level}]
  }
  return encodeModel(model)
}

/** Bytes of the decoder's initializers: what one decoding step reads. */
function decoderBytes(dtype) {
  const file = join(modelDir, 'onnx', `decoder_model_merged${dtype === 'q4' ? '_q4' : ''}.onnx`)
  return statSync(file).size + statSync(`${file}_data`).size
}

function runChild(kind, args) {
  // The export's pending writeback would compete with the run (as in bench/run.js).
  spawnSync('sync')
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, __filename, '--child', kind, JSON.stringify(args)], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26})
  const lines = result.stderr.trim().split('\n')
  if (result.status !== 0) throw new Error(`${kind} ${JSON.stringify(args)} failed:\n${result.stderr.slice(-4000)}`)
  return {...JSON.parse(result.stdout.trim().split('\n').pop()), peakRssMiB: Number(lines[lines.length - 1]) / 1024}
}

function runCmaamEval(dtype, data) {
  const output = join(work, `eval-out-${dtype}`)
  rmSync(output, {recursive: true, force: true})
  spawnSync('sync')
  const loadBefore = load()
  const started = performance.now()
  const args = [join(root, 'bin', 'run.js'), 'eval', '-m', modelDir, '-d', data.data, '-o', output, '--dtype', dtype, '--max-new-tokens', String(NEW_TOKENS), '--quiet']
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  const wall = (performance.now() - started) / 1000
  const lines = result.stderr.trim().split('\n')
  if (result.status !== 0) throw new Error(`cmaam eval --dtype ${dtype} failed:\n${result.stderr.slice(-4000)}`)
  const resultsFile = readdirSync(output).find((f) => f.endsWith('_results.json'))
  const {metrics} = JSON.parse(readFileSync(join(output, resultsFile), 'utf8'))
  rmSync(output, {recursive: true, force: true})
  return {samples: metrics.n_samples, seconds: metrics.seconds, wall, tokensPerSecond: metrics.tokens_per_second, peakRssMiB: Number(lines[lines.length - 1]) / 1024, load: `${loadBefore} → ${load()}`}
}

/** CPU seconds (user + system) of this process since `since` (a process.cpuUsage() value). */
function cpuSeconds(since) {
  const {user, system} = process.cpuUsage(since)
  return (user + system) / 1e6
}

// ---- child processes ------------------------------------------------------------------------

function transformers() {
  const t = require('@huggingface/transformers')
  t.env.allowRemoteModels = false
  t.env.allowLocalModels = true
  return t
}

/** The processor's inputs for `questions` (one image each), as cmaam eval builds them for one item. */
async function processorInputs(t, processor, image, questions) {
  const raw = await t.RawImage.fromBlob(new Blob([readFileSync(image)]))
  const prompts = questions.map((q) => processor.apply_chat_template([{role: 'user', content: [{type: 'image'}, {type: 'text', text: q}]}], {add_generation_prompt: true}))
  // One image per processor call (transformers.js 4.3's Qwen2-VL image processor reads one at a time).
  const parts = await Promise.all(prompts.map((p) => processor(p, [raw])))
  if (parts.length === 1) return parts[0]
  return {
    input_ids: t.cat(parts.map((p) => p.input_ids), 0),
    attention_mask: t.cat(parts.map((p) => p.attention_mask), 0),
    pixel_values: t.cat(parts.map((p) => p.pixel_values), 0),
    image_grid_thw: t.cat(parts.map((p) => p.image_grid_thw), 0),
  }
}

/** transformers.js generate(): prefill and decode times of one item, then samples/s per batch size. */
async function childTransformers(options) {
  const {dir, dtype, image, questions, batches} = options
  const t = transformers()
  const processor = await t.AutoProcessor.from_pretrained(dir)
  const loadStarted = performance.now()
  const model = await t.AutoModelForImageTextToText.from_pretrained(dir, {device: 'cpu', dtype})
  const loadSeconds = (performance.now() - loadStarted) / 1000
  const generate = async (inputs, newTokens = options.newTokens) => {
    const times = []
    const streamer = new (class extends t.BaseStreamer {
      put() {
        times.push(performance.now())
      }
      end() {}
    })()
    const started = performance.now()
    const cpu = process.cpuUsage()
    await model.generate({...inputs, max_new_tokens: newTokens, min_new_tokens: newTokens, do_sample: false, streamer})
    // The first put() is the prompt, before any session runs; then one per new token.
    const total = (performance.now() - started) / 1000
    return {prefill: (times[1] - started) / 1000, decode: (times[times.length - 1] - times[1]) / 1000, total, tokens: times.length - 1, cores: cpuSeconds(cpu) / total}
  }
  const single = await processorInputs(t, processor, image, questions.slice(0, 1))
  await generate(single, 2) // warm-up (the first run allocates)
  const loadBefore = load()
  const best = await generate(single)
  const promptTokens = single.input_ids.dims[1]
  const batched = []
  for (const size of batches) {
    const inputs = await processorInputs(t, processor, image, questions.slice(0, size))
    try {
      const r = await generate(inputs)
      batched.push({batch: size, samplesPerSecond: size / r.total, seconds: r.total, load: load()})
    } catch (error) {
      batched.push({batch: size, error: String(error.message ?? error).split('\n')[0]})
    }
  }
  await model.dispose()
  return {loadSeconds, promptTokens, prefillTokensPerSecond: promptTokens / best.prefill, decodeTokensPerSecond: (best.tokens - 1) / best.decode, secondsPerSample: best.total, cores: best.cores, newTokens: best.tokens, batched, load: `${loadBefore} → ${load()}`}
}

/** The same sessions with onnxruntime-node directly: embed, vision, decoder prefill, greedy decode. */
async function childOnnxruntime(options) {
  const {dir, dtype, image, questions} = options
  const t = transformers()
  const ort = require('onnxruntime-node')
  const processor = await t.AutoProcessor.from_pretrained(dir)
  const inputs = await processorInputs(t, processor, image, questions.slice(0, 1))
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  const suffix = dtype === 'q4' ? '_q4' : ''
  const loadStarted = performance.now()
  const session = async (name) => ort.InferenceSession.create(join(dir, 'onnx', `${name}${suffix}.onnx`))
  const [embed, vision, decoder] = [await session('embed_tokens'), await session('vision_encoder'), await session('decoder_model_merged')]
  const loadSeconds = (performance.now() - loadStarted) / 1000
  const ids = inputs.input_ids.data
  const hidden = config.hidden_size
  const kvHeads = config.num_key_value_heads
  const headDim = config.head_dim
  const layers = config.num_hidden_layers
  const i64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims)
  const argmaxLast = (logits) => {
    const [, seq, vocab] = logits.dims
    const data = logits.data
    let best = 0
    for (let v = 1; v < vocab; v++) if (data[(seq - 1) * vocab + v] > data[(seq - 1) * vocab + best]) best = v
    return best
  }
  const generate = async (newTokens = options.newTokens) => {
    const started = performance.now()
    const cpu = process.cpuUsage()
    const embeds = (await embed.run({input_ids: new ort.Tensor('int64', ids, [1, ids.length])})).inputs_embeds
    const features = (await vision.run({pixel_values: new ort.Tensor('float32', inputs.pixel_values.data, inputs.pixel_values.dims), grid_thw: new ort.Tensor('int64', inputs.image_grid_thw.data, inputs.image_grid_thw.dims)})).image_features
    const data = embeds.data
    let row = 0
    for (let i = 0; i < ids.length; i++) if (Number(ids[i]) === config.image_token_id) data.set(features.data.subarray(row * hidden, ++row * hidden), i * hidden)
    let past = {}
    for (let l = 0; l < layers; l++) for (const kind of ['key', 'value']) past[`past_key_values.${l}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim])
    let length = ids.length
    let out = await decoder.run({inputs_embeds: embeds, attention_mask: i64(new Array(length).fill(1), [1, length]), position_ids: i64(Array.from({length: 3 * length}, (_, i) => i % length), [3, 1, length]), ...past})
    let token = argmaxLast(out.logits)
    const firstToken = performance.now()
    for (let step = 1; step < newTokens; step++) {
      past = {}
      for (let l = 0; l < layers; l++) for (const kind of ['key', 'value']) past[`past_key_values.${l}.${kind}`] = out[`present.${l}.${kind}`]
      const next = (await embed.run({input_ids: i64([token], [1, 1])})).inputs_embeds
      length++
      out = await decoder.run({inputs_embeds: next, attention_mask: i64(new Array(length).fill(1), [1, length]), position_ids: i64([length - 1, length - 1, length - 1], [3, 1, 1]), ...past})
      token = argmaxLast(out.logits)
    }
    const done = performance.now()
    return {prefill: (firstToken - started) / 1000, decode: (done - firstToken) / 1000, total: (done - started) / 1000, cores: cpuSeconds(cpu) / ((done - started) / 1000)}
  }
  await generate(2) // warm-up (the first run allocates)
  const loadBefore = load()
  const best = await generate()
  return {loadSeconds, promptTokens: ids.length, prefillTokensPerSecond: ids.length / best.prefill, decodeTokensPerSecond: (options.newTokens - 1) / best.decode, secondsPerSample: best.total, cores: best.cores, load: `${loadBefore} → ${load()}`}
}

// ---- main -----------------------------------------------------------------------------------

async function main() {
  mkdirSync(work, {recursive: true})
  const {bavail, bsize} = statfsSync(work)
  // fp32: 8.9 GB; q4: 4.4 GB (its embed_tokens and vision_encoder stay float32).
  const needed = (DTYPES.includes('fp32') ? 9.5e9 : 0) + (DTYPES.includes('q4') ? 4.7e9 : 0)
  if (bavail * bsize < needed && !existsSync(modelDir)) throw new Error(`the eval benchmark needs about ${(needed / 1e9).toFixed(1)} GB free in ${work}`)
  const data = writeData()
  await writeExport()
  const bandwidth = await memoryBandwidth(cpus().length)
  log(`copy bandwidth: ${(bandwidth.single / 1e9).toFixed(1)} GB/s (1 thread), ${(bandwidth.all / 1e9).toFixed(1)} GB/s (${bandwidth.threads} threads); load ${bandwidth.load}`)
  const bytesPerSecond = Math.max(bandwidth.single, bandwidth.all)
  const rows = []
  const batchRows = []
  const checks = []
  /** The three runners on one export; `variant` names a rewritten decoder graph. */
  const measure = (dtype, variant, {batches, cli}) => {
    const label = variant ? `${dtype} (${variant})` : dtype
    const args = {dir: modelDir, dtype, image: data.image, questions: data.questions, newTokens: NEW_TOKENS}
    log(`\n▶ ${label}: onnxruntime-node alone`)
    const ort = runChild('ort', args)
    log(JSON.stringify(ort))
    log(`▶ ${label}: transformers.js generate()`)
    const tjs = runChild('transformers', {...args, batches})
    log(JSON.stringify(tjs))
    // Weights read per step, plus the KV cache at the mean context of the decode.
    const context = tjs.promptTokens + NEW_TOKENS / 2
    const bytesPerToken = decoderBytes(dtype) + 2 * SHAPE.layers * SHAPE.kvHeads * SHAPE.headDim * 4 * context
    const floor = bytesPerSecond / bytesPerToken
    const row = (runner, r) => ({
      dtype: label,
      runner,
      prefill_tok_s: r.prefillTokensPerSecond === undefined ? null : round(r.prefillTokensPerSecond),
      decode_tok_s: r.decodeTokensPerSecond === undefined ? null : round(r.decodeTokensPerSecond),
      samples_s: round(r.samplesPerSecond ?? 1 / r.secondsPerSample, 3),
      peak_rss_mib: Math.round(r.peakRssMiB),
      decoder_gb: round(bytesPerToken / 1e9, 3),
      floor_tok_s: round(floor),
      decode_vs_floor: r.decodeTokensPerSecond === undefined ? null : round(r.decodeTokensPerSecond / floor),
      // CPU cores this process got while timed (of cpus().length): the rest went to other processes.
      cores_used: r.cores === undefined ? null : round(r.cores),
      load: r.load,
    })
    rows.push(row('onnxruntime-node', ort), row('transformers.js', tjs))
    if (cli) {
      log(`▶ ${label}: cmaam eval (${ITEMS} items)`)
      const c = runCmaamEval(dtype, data)
      log(JSON.stringify(c))
      rows.push(row(`cmaam eval (${c.samples} items)`, {samplesPerSecond: c.samples / c.seconds, peakRssMiB: c.peakRssMiB, load: c.load}))
    }
    for (const b of tjs.batched) batchRows.push({dtype: label, ...b})
    const slower = tjs.secondsPerSample / ort.secondsPerSample
    checks.push([`${label}: transformers.js per sample ≤ ${TARGETS.transformersOverOrt}× onnxruntime alone (${slower.toFixed(2)}×)`, slower <= TARGETS.transformersOverOrt])
    if (dtype === 'q4') checks.push([`${label}: transformers.js decode ≥ ${TARGETS.q4FloorRatio * 100}% of its floor (${((tjs.decodeTokensPerSecond / floor) * 100).toFixed(0)}%)`, tjs.decodeTokensPerSecond / floor >= TARGETS.q4FloorRatio])
  }
  for (const dtype of DTYPES) {
    measure(dtype, null, {batches: dtype === 'q4' ? BATCHES : [], cli: true})
    if (dtype === 'q4') {
      // onnxruntime's quantizer writes MatMulNBits without accuracy_level (0: float32 compute);
      // level 4 quantizes the activations to int8 per block and runs integer dot products.
      const graph = join(modelDir, 'onnx', 'decoder_model_merged_q4.onnx')
      const original = readFileSync(graph)
      writeFileSync(graph, withAccuracyLevel(original, 4))
      try {
        measure(dtype, 'accuracy_level 4', {batches: [], cli: false})
      } finally {
        writeFileSync(graph, original)
      }
    }
  }
  const machine = `${cpus().length} × ${cpus()[0].model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} free at the end), Node ${process.version}`
  console.log(`\nQwen2-VL-2B-shaped export (random weights): LM hidden ${SHAPE.hidden}, ${SHAPE.layers} layers, ${SHAPE.heads}/${SHAPE.kvHeads} heads, intermediate ${SHAPE.intermediate}, vocab ${SHAPE.vocab}; vision ${SHAPE.visionHidden} × ${SHAPE.visionLayers} blocks. One ${IMAGE} × ${IMAGE} image per item, ${NEW_TOKENS} new tokens (greedy). Machine: ${machine}.`)
  console.log(`Copy bandwidth ${(bytesPerSecond / 1e9).toFixed(1)} GB/s (read + write; best of 1 and ${bandwidth.threads} threads); floor = bandwidth ÷ (decoder bytes + KV cache) per token.`)
  console.table(rows)
  if (batchRows.length > 0) console.table(batchRows)
  for (const [what, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`)
  writeFileSync(join(work, 'results-eval.json'), JSON.stringify({machine, shape: SHAPE, image: IMAGE, newTokens: NEW_TOKENS, bandwidth, rows, batchRows, checks}, null, 2) + '\n')
  if (!KEEP) rmSync(modelDir, {recursive: true, force: true})
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1
}

const round = (x, digits = 2) => Number(x.toFixed(digits))

if (process.argv[2] === '--child') {
  const run = {transformers: childTransformers, ort: childOnnxruntime}[process.argv[3]]
  run(JSON.parse(process.argv[4])).then(
    (result) => console.log(JSON.stringify(result)),
    (error) => {
      console.error(error)
      process.exitCode = 1
    },
  )
} else {
  module.exports = {main}
}
