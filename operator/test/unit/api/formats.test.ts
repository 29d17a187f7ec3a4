import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDurationSeconds } from '../../../src/api/chatcliinstance.ts';
import { characterCount, DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, GO_DURATION, IMAGE_REPOSITORY, IMAGE_TAG, PATTERN_MEANINGS, QUANTITY } from '../../../src/api/formats.ts';
import { compareQuantities, parseQuantity, type Quantity } from '../../../src/api/quantity.ts';

const matches = (pattern: string, value: string) => new RegExp(pattern).test(value);

describe('formats', () => {
  it('reads Go durations the way time.ParseDuration does, within the bounded form', () => {
    for (const ok of ['30s', '2h', '1h30m', '1.5h', '250ms', '10us', '10µs', '10μs', '5ns', '999999h']) assert.ok(matches(GO_DURATION, ok), ok);
    for (const bad of ['30', '1d', '-1h', '+1h', '1m1h', '1h1h', ' 30s', '1e3s', '1000000h', '.5s']) assert.ok(!matches(GO_DURATION, bad), bad);
    assert.equal(goDurationSeconds('1h30m'), 5400);
    assert.equal(goDurationSeconds('1.5h'), 5400);
    assert.equal(goDurationSeconds('250ms'), 0.25);
    assert.equal(goDurationSeconds('0h0m0s'), 0);
  });

  it('counts characters as the API server does (code points), not UTF-16 units', () => {
    assert.equal(characterCount('\u{1F600}'.repeat(200)), 200);
    assert.equal('\u{1F600}'.repeat(200).length, 400);
    assert.equal(characterCount('€uro'), 4);
    assert.equal(characterCount(''), 0);
  });

  it('tells a DNS-1035 label (a Service name) from a DNS-1123 label and subdomain', () => {
    assert.ok(matches(DNS1123_LABEL, '1abc') && !matches(DNS1035_LABEL, '1abc'));
    assert.ok(matches(DNS1123_SUBDOMAIN, 'a.b') && !matches(DNS1123_LABEL, 'a.b'));
    for (const bad of ['-a', 'a-', 'A', 'a_b', '']) assert.ok(!matches(DNS1123_SUBDOMAIN, bad), bad);
  });

  it('accepts image references of the seed and of private registries', () => {
    for (const ok of ['ghcr.io/diillson/chatcli', 'nginx', 'localhost:5000/team/chat-cli', 'registry.example.com/a/b__c']) assert.ok(matches(IMAGE_REPOSITORY, ok), ok);
    for (const ok of ['latest', 'v1.2.3', `sha256:${'0'.repeat(64)}`]) assert.ok(matches(IMAGE_TAG, ok), ok);
    assert.ok(!matches(IMAGE_TAG, '.hidden'));
  });

  it('explains every pattern the schema uses', () => {
    for (const pattern of [DNS1123_LABEL, DNS1123_SUBDOMAIN, DNS1035_LABEL, GO_DURATION, QUANTITY, IMAGE_REPOSITORY, IMAGE_TAG]) {
      assert.ok(PATTERN_MEANINGS[pattern], pattern);
    }
  });
});

describe('quantities', () => {
  const q = (v: string | number): Quantity => {
    const parsed = parseQuantity(v);
    assert.ok(parsed, `${v} should parse`);
    return parsed;
  };

  it('compares binary, decimal and exponent forms exactly', () => {
    assert.equal(compareQuantities(q('1Ki'), q(1024)), 0);
    assert.equal(compareQuantities(q('1Gi'), q('1024Mi')), 0);
    assert.equal(compareQuantities(q('500m'), q('0.5')), 0);
    assert.equal(compareQuantities(q('1e3'), q('1k')), 0);
    assert.equal(compareQuantities(q('2'), q('500m')), 1);
    assert.equal(compareQuantities(q('128Mi'), q('1G')), -1);
    assert.equal(compareQuantities(q('1E'), q('1Ei')), -1);
    assert.equal(compareQuantities(q('-1'), q(0)), -1);
  });

  it('does not take a non-quantity for one', () => {
    for (const bad of ['1 Gi', 'lots', '1GB', '', '1e1.5']) assert.equal(parseQuantity(bad), undefined, bad);
    assert.equal(parseQuantity(0.5), undefined);
  });
});
