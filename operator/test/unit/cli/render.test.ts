// `chatcli-operator render`: a sample becomes its objects; an invalid file is
// refused with exit code 1 and a message that names the field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderCommand, type RenderIO } from '../../../src/cli/render.ts';

function capture(stdin = ''): RenderIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    readStdin: async () => stdin,
    stdout: (c: string) => void (io.out += c),
    stderr: (c: string) => void (io.err += c),
  };
  return io;
}

const sample = (name: string) => fileURLToPath(new URL(`../../../config/samples/${name}`, import.meta.url));
const kindsAndNames = (yaml: string) =>
  parseAllDocuments(yaml).map((d) => {
    const o = d.toJS() as { kind: string; metadata: { name: string; namespace?: string; ownerReferences?: unknown } };
    return `${o.kind} ${o.metadata.namespace ?? '-'} ${o.metadata.name}`;
  });

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'render-test-')), 'instance.yaml');
  writeFileSync(path, content);
  return path;
}

describe('render', () => {
  it('prints what the multi-target sample becomes, in the default namespace, without owner references', async () => {
    const io = capture();
    assert.equal(await renderCommand(['-f', sample('chatcli_v1alpha1_multi_target.yaml')], io), 0, io.err);
    assert.deepEqual(kindsAndNames(io.out), [
      'ServiceAccount default chatcli-multi',
      'Role batch default.chatcli-multi-watcher',
      'RoleBinding batch default.chatcli-multi-watcher',
      'Role ml default.chatcli-multi-watcher',
      'RoleBinding ml default.chatcli-multi-watcher',
      'Role production default.chatcli-multi-watcher',
      'RoleBinding production default.chatcli-multi-watcher',
      'ConfigMap default chatcli-multi',
      'ConfigMap default chatcli-multi-watch-config',
      'PersistentVolumeClaim default chatcli-multi-sessions',
      'Service default chatcli-multi',
      'Deployment default chatcli-multi',
    ]);
    assert.ok(!io.out.includes('ownerReferences'));
  });

  it('reads several documents from stdin with -f -, skips other kinds, honours -n', async () => {
    const stream = [
      'apiVersion: v1\nkind: Secret\nmetadata: {name: keys}\nstringData: {ANTHROPIC_API_KEY: x}\n',
      'apiVersion: chatcli.diillson.com/v1alpha1\nkind: ChatCLIInstance\nmetadata: {name: one}\nspec: {provider: OPENAI}\n',
      'apiVersion: chatcli.diillson.com/v1alpha1\nkind: ChatCLIInstance\nmetadata: {name: two, namespace: other}\nspec: {provider: OLLAMA}\n',
    ].join('---\n');
    const io = capture(stream);
    assert.equal(await renderCommand(['-f', '-', '-n', 'team'], io), 0, io.err);
    const deployments = kindsAndNames(io.out).filter((l) => l.startsWith('Deployment'));
    assert.deepEqual(deployments, ['Deployment team one', 'Deployment other two']);
    assert.match(io.err, /skipping v1\/Secret/);
    assert.ok(!io.out.includes('ANTHROPIC_API_KEY'));
  });

  it('an invalid instance exits 1 with a message naming the field, and prints nothing', async () => {
    const file = tempFile('apiVersion: chatcli.diillson.com/v1alpha1\nkind: ChatCLIInstance\nmetadata: {name: bad}\nspec: {provider: NOPE}\n');
    const io = capture();
    assert.equal(await renderCommand(['-f', file], io), 1);
    assert.match(io.err, /provider/);
    assert.match(io.err, /bad/);
    assert.equal(io.out, '');
  });

  it('renders a model of 200 emoji: the API server counts 200 characters, not 400 UTF-16 units', async () => {
    const model = '\u{1F600}'.repeat(200);
    const io = capture(JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'emoji' }, spec: { provider: 'OPENAI', model } }));
    assert.equal(await renderCommand(['-f', '-'], io), 0, io.err);
    const env = parseAllDocuments(io.out).map((d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string> })
      .find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'emoji');
    assert.ok(Object.values(env?.data ?? {}).includes(model), 'the model reaches the environment ConfigMap');
  });

  it('an instance the API server accepts but whose pod template it would refuse (annotations over 256 KiB) exits 1 naming the field, and prints nothing', async () => {
    const podAnnotations = Object.fromEntries(Array.from({ length: 22 }, (_, i) => [`example.com/note-${i}`, '€'.repeat(4096)]));
    const io = capture(JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'big' }, spec: { provider: 'OPENAI', podAnnotations } }));
    assert.equal(await renderCommand(['-f', '-'], io), 1);
    assert.match(io.err, /\(big\): spec\.podAnnotations: Too long: .* bytes .* at most 262144/);
    assert.equal(io.out, '');
  });

  it('a missing file exits 1; a missing -f is a usage error', async () => {
    const io = capture();
    assert.equal(await renderCommand(['-f', '/nonexistent/instance.yaml'], io), 1);
    assert.match(io.err, /nonexistent/);
    const usage = capture();
    assert.equal(await renderCommand([], usage), 2);
    assert.match(usage.err, /Usage: chatcli-operator render/);
  });
});
