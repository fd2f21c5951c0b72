import type { Config } from 'jest';

// ESM throughout (NestJS 12 ships ESM only, and Jest can require() ESM only on Node 24.9+).
// Library imports use package.json subpath imports (#app/<lib>), mapped here to their sources.
const config: Config = {
  moduleFileExtensions: ['ts', 'js', 'json'],
  rootDir: '.',
  testRegex: '/(apps|libs|test)/.*\\.(spec|e2e-spec)\\.ts$',
  // End-to-end tests share one PostgreSQL and Redis and start servers: give them time.
  testTimeout: 30_000,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^#app/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
export default config;
