import {join} from 'node:path'
import type {StatisticsJob} from '../../src/compute/jobs'
import * as sources from '../../src/compute/worker-pool'
import {plantedSpectrum} from './planted-spectrum'

// Worker threads run the compiled worker (dist/, built by `npm test`'s pretest).
const compiled = require(join(__dirname, '..', '..', 'dist', 'compute', 'worker-pool')) as typeof sources

/** A statistics job with spectra whose source is `a` and whose target is `a` scaled by 2 (so σ doubles). */
function job(a: Float32Array, rows: number, cols: number): StatisticsJob {
  const shared = (values: Float32Array): Uint8Array => {
    const memory = new Uint8Array(new SharedArrayBuffer(values.byteLength))
    memory.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    return memory
  }
  const location = (values: Float32Array) => ({path: '', offset: 0, dtype: 'F32' as const, memory: shared(values)})
  return {
    kind: 'statistics',
    name: 'visual.merger.mlp.0.weight',
    count: rows * cols,
    source: location(a),
    target: location(a.map((x) => 2 * x)),
    sampleSize: 50_000,
    seed: 5,
    withDot: true,
    spectrum: {rows, cols, k: 50, device: 'cpu'},
  }
}

describe('statistics jobs with spectra', () => {
  // Both shapes take the Krylov path (onnxruntime products), not the dense fallback.
  it('run onnxruntime inside worker threads, two at once, with the same bits as on the calling thread', async () => {
    const slow = Array.from({length: 400}, (_, i) => 1 / (1 + i / 50))
    const fast = Array.from({length: 300}, (_, i) => 4 / (1 + i / 20))
    const planted = [
      {...plantedSpectrum(500, 400, slow, 30), rows: 500, cols: 400, sigma: slow},
      {...plantedSpectrum(300, 640, fast, 31), rows: 300, cols: 640, sigma: fast},
    ]
    const jobs = planted.map((p) => job(p.a, p.rows, p.cols))
    const threaded = compiled.createWorkerPool({threads: 2})
    const inline = sources.createWorkerPool({threads: 1})
    try {
      const onThreads = await Promise.all(jobs.map((j) => threaded.run(j)))
      const here = await Promise.all(jobs.map((j) => inline.run(j)))
      planted.forEach((p, t) => {
        for (const side of ['source', 'target'] as const) {
          const threaded = onThreads[t].spectra![side]
          const inline = here[t].spectra![side]
          expect(Buffer.from(threaded.buffer).equals(Buffer.from(inline.buffer))).toBe(true)
          const scale = side === 'source' ? 1 : 2
          for (let i = 0; i < 50; i++) expect(Math.abs(inline[i] - scale * p.sigma[i])).toBeLessThanOrEqual(scale * (1e-4 * p.sigma[i] + p.rounding))
        }
      })
    } finally {
      await Promise.all([threaded.close(), inline.close()])
    }
  })
})
