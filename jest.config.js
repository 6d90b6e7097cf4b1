/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/channels', '<rootDir>/providers', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }] },
  // Every wait in a test is for a state (`eventually`), never a fixed sleep: a generous budget costs a
  // passing test nothing and keeps a loaded CI machine from failing a correct one.
  testTimeout: 60000,
  setupFilesAfterEnv: ['<rootDir>/test/support/pg-busy-client-guard.ts'],
};
