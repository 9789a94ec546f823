import {readFileSync} from 'node:fs'
import {join} from 'node:path'

/** The package version (same path from src/ under tests and from dist/ when installed). */
export const CMAAM_VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version
