import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { collectingLogger } from './test-log.js';

describe('the server log', () => {
  it('writes one JSON line per event, with its name, level and time', () => {
    const written: string[] = [];
    const logger = createLogger('info', { write: (line: string) => written.push(line) });
    logger.info({ event: 'session-created', sessionId: 'abc', startMs: 42 }, 'session created');
    expect(written).toHaveLength(1);
    expect(written[0]?.endsWith('\n')).toBe(true);
    expect(written[0]?.trimEnd()).not.toContain('\n');
    expect(JSON.parse(written[0] ?? '')).toMatchObject({
      level: 'info',
      service: 'nestbox',
      event: 'session-created',
      sessionId: 'abc',
      startMs: 42,
      msg: 'session created',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
  });

  it('drops events below its level', () => {
    const written: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => written.push(line) });
    logger.info({ event: 'ws-connect' }, 'quiet');
    logger.warn({ event: 'ws-reject', reason: 'origin' }, 'loud');
    expect(written.map((line) => (JSON.parse(line) as { event: string }).event)).toEqual([
      'ws-reject',
    ]);
  });

  it('censors fields named like secrets, at the top and one level down', () => {
    const { logger, lines } = collectingLogger();
    logger.info({ event: 'oops', token: 'secret-1', request: { authorization: 'Bearer s2' } });
    expect(JSON.stringify(lines)).not.toMatch(/secret-1|s2/);
    expect(lines[0]).toMatchObject({ token: '[redacted]' });
  });

  it('takes its level from NESTBOX_LOG_LEVEL, info by default', () => {
    expect(loadConfig({}).logLevel).toBe('info');
    expect(loadConfig({ NESTBOX_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(() => loadConfig({ NESTBOX_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ NESTBOX_LOG_LEVEL: 'loud' })).toThrow(/NESTBOX_LOG_LEVEL/);
  });
});
