#!/usr/bin/env node
// The I/O floor of a merge: reads every safetensors file of two models while writing an output of
// the target's size (the target's bytes) into a folder, in 16 MiB blocks, one file pair at a time.
// Usage: node bench/io-floor.js SOURCE TARGET OUTPUT
'use strict'
const {closeSync, mkdirSync, openSync, readdirSync, readSync, writeSync} = require('node:fs')
const {join} = require('node:path')

const [source, target, output] = process.argv.slice(2)
const BLOCK = 16 * 2 ** 20
const buffer = Buffer.allocUnsafe(BLOCK)
const shards = (dir) => readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()

mkdirSync(output, {recursive: true})
for (const file of shards(target)) {
  const inputs = [openSync(join(source, file), 'r'), openSync(join(target, file), 'r')]
  const out = openSync(join(output, file), 'w')
  for (let position = 0; ; position += BLOCK) {
    readSync(inputs[0], buffer, 0, BLOCK, position)
    const n = readSync(inputs[1], buffer, 0, BLOCK, position)
    if (n === 0) break
    writeSync(out, buffer, 0, n, position)
  }
  for (const fd of [...inputs, out]) closeSync(fd)
}
