// The production JavaScript (`npm run build`: src/ bundled into dist/main.js,
// what the image and `make run` execute) builds, runs, and carries none of
// @kubernetes/client-node.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { OUR_OPERATOR_COMMAND } from '../../bench/lib/operator-process.ts';

const OPERATOR_DIR = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(OPERATOR_DIR, 'dist', 'main.js');

describe('the production bundle (dist/main.js)', () => {
  before(() => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: OPERATOR_DIR, stdio: 'pipe' });
  }, { timeout: 120_000 });

  it('holds the operator and none of @kubernetes/client-node', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    // esbuild names each module it bundles in a comment.
    assert.match(text, /^\/\/ src\/runtime\/kubeconfig\.ts$/m);
    assert.match(text, /^\/\/ node_modules\/yaml\//m);
    assert.doesNotMatch(text, /^\/\/ node_modules\/@kubernetes\//m);
  });

  it('is ASCII only, so that V8 keeps its source as one byte per character, not two', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    const line = text.split('\n').findIndex((l) => [...l].some((c) => c.charCodeAt(0) > 0x7f));
    assert.equal(line, -1, `dist/main.js line ${line + 1}: ${text.split('\n')[line]?.slice(0, 200)}`);
  });

  it('runs on its own: the commands and their help', () => {
    const run = (...args: string[]) => execFileSync(process.execPath, [BUNDLE, ...args], { cwd: OPERATOR_DIR, encoding: 'utf8' });
    assert.match(run('--help'), /^Usage: chatcli-operator <command>/);
    assert.match(run('run', '--help'), /--leader-elect/);
    assert.match(run('render', '--help'), /render/);
  });

  it('runs with the same Node flags in the image, make run and the bench', () => {
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(OPERATOR_DIR, 'Dockerfile'), 'utf8'))?.[1] ?? '[]') as string[];
    assert.equal(entrypoint.at(-1), 'dist/main.js');
    const flags = entrypoint.slice(1, -1);
    assert.ok(flags.includes('--optimize-for-size'), 'the memory-saving flag (docs/performance.md)');
    assert.ok(flags.includes('--lite-mode'), 'the other one (docs/performance.md, "Idle memory: what each part costs")');
    const makefile = readFileSync(join(OPERATOR_DIR, 'Makefile'), 'utf8');
    assert.deepEqual(/^OPERATOR_NODE_FLAGS := (.*)$/m.exec(makefile)?.[1]?.split(' '), flags);
    assert.match(makefile, /\$\(NODE\) \$\(OPERATOR_NODE_FLAGS\) dist\/main\.js run/);
    assert.ok(OUR_OPERATOR_COMMAND.includes(`" ${flags.join(' ')} dist/main.js run `), OUR_OPERATOR_COMMAND);
  });

  it('renders a sample exactly as the TypeScript sources do', () => {
    const sample = join(OPERATOR_DIR, 'config', 'samples', 'chatcli_v1alpha1_multi_target.yaml');
    const opts = { cwd: OPERATOR_DIR, encoding: 'utf8' as const };
    const fromBundle = execFileSync(process.execPath, [BUNDLE, 'render', '-f', sample], opts);
    const fromSources = execFileSync(process.execPath, [join(OPERATOR_DIR, 'src', 'main.ts'), 'render', '-f', sample], opts);
    assert.ok(fromBundle.includes('kind: Deployment'));
    assert.equal(fromBundle, fromSources);
  });
});
