import {Tensor} from 'onnxruntime-node'
import {matmulModel} from '../../src/compute/matmul-model'
import {createOnnxSession, runOnnxSession, stopOnnxSessions} from '../../src/compute/onnx-sessions'

const PENDING = Symbol('pending')
/** Whether the promise has settled by the time already-settled work has run (no timers). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
  return (await Promise.race([promise.then(() => 'done', () => 'failed'), Promise.resolve(PENDING)])) !== PENDING
}

describe('stopOnnxSessions', () => {
  it('waits for the run in flight, releases the sessions, and leaves later calls unsettled', async () => {
    const session = await createOnnxSession(matmulModel(), {executionProviders: ['cpu'], intraOpNumThreads: 1})
    const a = new Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2])
    expect(Array.from((await runOnnxSession(session, {A: a, B: a})).C.data as Float32Array)).toEqual([7, 10, 15, 22])

    const inFlight = runOnnxSession(session, {A: a, B: a})
    let ranOut = false
    void inFlight.then(() => (ranOut = true))
    await stopOnnxSessions()
    // The call returned inside onnxruntime before the stop finished, but its result is not handed on.
    expect(ranOut).toBe(false)
    expect(await settled(inFlight)).toBe(false)
    // Released: onnxruntime itself refuses the session now.
    await expect(session.run({A: a, B: a})).rejects.toThrow()
    expect(await settled(runOnnxSession(session, {A: a, B: a}))).toBe(false)
    expect(await settled(createOnnxSession(matmulModel(), {executionProviders: ['cpu']}))).toBe(false)
  })
})
