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
    // @fastify/static (CommonJS) requires content-disposition 3, which is ESM only: Node 20 loads
    // it, Jest's module system cannot before Node 24.9. Version 2 is CommonJS with the same API.
    '^content-disposition$': '<rootDir>/node_modules/content-disposition/dist/index.js',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
export default config;
