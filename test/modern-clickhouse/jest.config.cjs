// Jest config of the modern-ClickHouse check alone (run by run.sh here): the same TypeScript transform and
// module mapping as the root projects, one test file, no stack (chDB runs in-process).
const path = require('node:path');

module.exports = {
  rootDir: path.resolve(__dirname, '..', '..'),
  displayName: 'modern-clickhouse',
  testEnvironment: 'node',
  // Like the root projects: scratch copies of the repo under .local/ would make every package ambiguous.
  modulePathIgnorePatterns: ['<rootDir>/.local/'],
  testMatch: ['<rootDir>/test/modern-clickhouse/*.check.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^@cdrate/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
