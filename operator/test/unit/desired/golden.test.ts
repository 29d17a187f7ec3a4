// Golden files: what every seed sample in config/samples becomes, in full.
// Regenerate after an intended change with:
//   UPDATE_GOLDEN=1 ./node_modules/.bin/node --test test/unit/desired/golden.test.ts
// and review the diff like code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ChatCLIInstance } from '../../../src/api/chatcliinstance.ts';
import { desiredObjects } from '../../../src/desired/index.ts';
import { toYamlStream } from '../../../src/desired/yamlstream.ts';
import { defaulted, FIXED_UID } from './fixtures.ts';

const samplesDir = new URL('../../../config/samples/', import.meta.url);
const goldenDir = new URL('./golden/', import.meta.url);
const update = process.env.UPDATE_GOLDEN === '1';
const samples = readdirSync(samplesDir).filter((f) => f.startsWith('chatcli_') && f.endsWith('.yaml')).sort();

describe('golden files of the seed samples', () => {
  it('covers the four seed samples', () => assert.equal(samples.length, 4));

  for (const file of samples) {
    it(`${file} becomes golden/${file}`, () => {
      const raw = parse(readFileSync(new URL(file, samplesDir), 'utf8')) as ChatCLIInstance;
      // As read back from the API server: stored, so it has a uid.
      raw.metadata.uid = FIXED_UID;
      const actual = toYamlStream(desiredObjects(defaulted(raw)));
      const goldenFile = new URL(file, goldenDir);
      if (update) writeFileSync(goldenFile, actual);
      assert.equal(actual, readFileSync(goldenFile, 'utf8'), `${file} differs from its golden file; UPDATE_GOLDEN=1 to accept`);
    });
  }
});
