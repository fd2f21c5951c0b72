import { ConfigError, loadEnvironment } from './environment.js';

const valid = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  ADMIN_TOKEN: 'a-very-long-admin-token-0123456789',
  PII_HASH_KEY: 'k'.repeat(32),
};

describe('loadEnvironment', () => {
  it('applies defaults and converts numbers', () => {
    const env = loadEnvironment({ ...valid, PORT: '8080' });
    expect(env.PORT).toBe(8080);
    expect(env.WORKER_PORT).toBe(3001);
    expect(env.QUEUE_PREFIX).toBe('tk');
    expect(env.LISTEN_ADDRESS).toBe('::');
    expect(loadEnvironment({ ...valid, LISTEN_ADDRESS: '127.0.0.1' }).LISTEN_ADDRESS).toBe('127.0.0.1');
  });

  it('names every missing variable', () => {
    expect(() => loadEnvironment({})).toThrow(ConfigError);
    try {
      loadEnvironment({});
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('DATABASE_URL (missing)');
      expect(message).toContain('REDIS_URL (missing)');
      expect(message).toContain('ADMIN_TOKEN (missing)');
      expect(message).toContain('PII_HASH_KEY (missing)');
    }
  });

  it('names a bad variable and says why', () => {
    expect(() => loadEnvironment({ ...valid, PORT: 'eighty' })).toThrow(/PORT \(invalid\)/);
    expect(() => loadEnvironment({ ...valid, PORT: '70000' })).toThrow(/PORT \(invalid\)/);
    expect(() => loadEnvironment({ ...valid, REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL \(invalid\): must be a redis/);
    expect(() => loadEnvironment({ ...valid, ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN \(invalid\)/);
    expect(() => loadEnvironment({ ...valid, LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadEnvironment({ ...valid, LISTEN_ADDRESS: 'localhost' })).toThrow(/LISTEN_ADDRESS \(invalid\): must be an IP address/);
  });
});
