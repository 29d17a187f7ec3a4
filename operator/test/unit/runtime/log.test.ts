import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, resolveLogLevel } from '../../../src/runtime/log.ts';

describe('logger', () => {
  it('takes the level from the flag, else LOG_LEVEL, else info', () => {
    assert.equal(resolveLogLevel('debug', { LOG_LEVEL: 'warn' }), 'debug');
    assert.equal(resolveLogLevel(undefined, { LOG_LEVEL: 'WARN' }), 'warn');
    assert.equal(resolveLogLevel(undefined, {}), 'info');
    assert.throws(() => resolveLogLevel('loud', {}), /unknown log level "loud"/);
  });

  it('writes one JSON object per line with a textual level, and filters below its level', () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = createLogger({ level: 'info', name: 'op', destination });
    log.debug('hidden');
    log.info({ key: 'ns/a' }, 'reconciled');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry.level, 'info');
    assert.equal(entry.msg, 'reconciled');
    assert.equal(entry.key, 'ns/a');
    assert.equal(entry.name, 'op');
    assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT/);
  });
});
