/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {'^.+\\.ts$': ['@swc/jest', {jsc: {target: 'es2022', parser: {syntax: 'typescript'}}, module: {type: 'commonjs'}}]},
  setupFiles: ['<rootDir>/test/setup/console.ts', '<rootDir>/test/setup/typed-arrays.ts', '<rootDir>/test/setup/device.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/stdout-listeners.ts'],
  testTimeout: 60000,
  // The default output counts skipped tests; this reporter also says which and why.
  reporters: ['default', '<rootDir>/test/setup/skipped-reporter.js'],
}
