import {join} from 'node:path'
import type {SpectrumJob} from '../../src/compute/jobs'
import * as sources from '../../src/compute/worker-pool'
import {plantedSpectrum} from './planted-spectrum'

// Worker threads run the compiled worker (dist/, built by `npm test`'s pretest).
const compiled = require(join(__dirname, '..', '..', 'dist', 'compute', 'worker-pool')) as typeof sources

function job(a: Float32Array, rows: number, cols: number): SpectrumJob {
  const memory = new Uint8Array(new SharedArrayBuffer(a.byteLength))
  memory.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
  return {kind: 'spectrum', device: 'cpu', location: {path: '', offset: 0, dtype: 'F32', memory}, rows, cols, k: 50, seed: 5}
}

describe('spectrum jobs', () => {
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
        expect(Buffer.from(onThreads[t].buffer).equals(Buffer.from(here[t].buffer))).toBe(true)
        for (let i = 0; i < 50; i++) expect(Math.abs(here[t][i] - p.sigma[i])).toBeLessThanOrEqual(1e-4 * p.sigma[i] + p.rounding)
      })
    } finally {
      await Promise.all([threaded.close(), inline.close()])
    }
  })
})
