#!/usr/bin/env node
// The I/O floor of a merge: reads every safetensors file of two models while writing an output of
// the target's size (the target's bytes) into a folder, one thread per core (up to 8, as the merge's
// pool) each streaming its own contiguous part of every file in blocks of 512 KiB (a merge chunk of
// bf16 values) into outputs created at their size, then fsyncs the outputs, as the merge does.
// Usage: node bench/io-floor.js SOURCE TARGET OUTPUT
'use strict'
const {closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeSync} = require('node:fs')
const {availableParallelism} = require('node:os')
const {join} = require('node:path')
const {Worker, isMainThread, parentPort, workerData} = require('node:worker_threads')

const BLOCK = 2 ** 19

if (isMainThread) {
  const [source, target, output] = process.argv.slice(2)
  const files = readdirSync(target).filter((f) => f.endsWith('.safetensors')).sort()
  mkdirSync(output, {recursive: true})
  // Create the outputs at their size first (as the merge does), so the threads only open them.
  for (const file of files) {
    const fd = openSync(join(output, file), 'w')
    ftruncateSync(fd, statSync(join(target, file)).size)
    closeSync(fd)
  }
  const threads = Math.min(availableParallelism(), 8)
  let running = threads
  for (let thread = 0; thread < threads; thread++) {
    const worker = new Worker(__filename, {workerData: {source, target, output, files, thread, threads}})
    worker.on('error', (error) => {
      throw error
    })
    worker.on('exit', () => {
      if (--running > 0) return
      for (const file of files) {
        const fd = openSync(join(output, file), 'r+')
        fsyncSync(fd)
        closeSync(fd)
      }
    })
  }
} else {
  const {source, target, output, files, thread, threads} = workerData
  const buffer = Buffer.allocUnsafe(BLOCK)
  for (const file of files) {
    const inputs = [openSync(join(source, file), 'r'), openSync(join(target, file), 'r')]
    const out = openSync(join(output, file), 'r+')
    const size = fstatSync(inputs[1]).size
    const part = Math.ceil(size / threads / BLOCK) * BLOCK
    for (let position = thread * part; position < Math.min(size, (thread + 1) * part); position += BLOCK) {
      readSync(inputs[0], buffer, 0, BLOCK, position)
      const n = readSync(inputs[1], buffer, 0, Math.min(BLOCK, size - position), position)
      writeSync(out, buffer, 0, n, position)
    }
    for (const fd of [...inputs, out]) closeSync(fd)
  }
  parentPort.close()
}
