// Golden files: what every seed sample in config/samples becomes, in full; and
// what every example of the instance knobs (config/samples/knobs) becomes.
// Regenerate after an intended change with:
//   UPDATE_GOLDEN=1 ./node_modules/.bin/node --test test/unit/desired/golden.test.ts
// and review the diff like code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ChatCLIInstance } from '../../../src/api/chatcliinstance.ts';
import { desiredObjects } from '../../../src/desired/index.ts';
import { toYamlStream } from '../../../src/desired/yamlstream.ts';
import { defaulted, FIXED_UID } from './fixtures.ts';

const samplesDir = new URL('../../../config/samples/', import.meta.url);
const goldenDir = new URL('./golden/', import.meta.url);
const knobsDir = new URL('knobs/', samplesDir);
const knobsGoldenDir = new URL('knobs/', goldenDir);
const update = process.env.UPDATE_GOLDEN === '1';
const yamlFiles = (dir: URL) => readdirSync(dir).filter((f) => f.startsWith('chatcli_') && f.endsWith('.yaml')).sort();
const samples = yamlFiles(samplesDir);

function checkGolden(input: URL, golden: URL): void {
  const raw = parse(readFileSync(input, 'utf8')) as ChatCLIInstance;
  // As read back from the API server: stored, so it has a uid.
  raw.metadata.uid = FIXED_UID;
  const actual = toYamlStream(desiredObjects(defaulted(raw)));
  if (update) writeFileSync(golden, actual);
  assert.equal(actual, readFileSync(golden, 'utf8'), `${input.pathname} differs from its golden file; UPDATE_GOLDEN=1 to accept`);
}

describe('golden files of the seed samples', () => {
  it('covers the four seed samples', () => assert.equal(samples.length, 4));

  for (const file of samples) {
    it(`${file} becomes golden/${file}`, () => checkGolden(new URL(file, samplesDir), new URL(file, goldenDir)));
  }
});

describe('golden files of the knob examples', () => {
  const knobs = yamlFiles(knobsDir);
  it('covers the four knob examples', () => assert.equal(knobs.length, 4));

  for (const file of knobs) {
    it(`knobs/${file} becomes golden/knobs/${file}`, () => {
      if (update) mkdirSync(knobsGoldenDir, { recursive: true });
      checkGolden(new URL(file, knobsDir), new URL(file, knobsGoldenDir));
    });
  }
});
