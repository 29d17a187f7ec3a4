// The operator process must not load @kubernetes/client-node: it costs every
// replica about 87 MiB of memory (docs/performance.md). Its types are free
// (`import type` is erased), so src/ may use those; tests and tools may use the
// package itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const OPERATOR_DIR = fileURLToPath(new URL('../../..', import.meta.url));
const SRC = join(OPERATOR_DIR, 'src');
const PACKAGE = '@kubernetes/client-node';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Every import/export statement naming the package that is not wholly
 * type-only: under verbatimModuleSyntax `import { type A } from` stays an
 * import and loads the module all the same.
 */
function valueImports(text: string): string[] {
  const statements = text.match(/^\s*(?:import|export)\b[^;]*?from\s*['"]@kubernetes\/client-node(?:\/[^'"]*)?['"]/gms) ?? [];
  const dynamic = text.match(/import\(\s*['"]@kubernetes\/client-node[^'"]*['"]\s*\)/g) ?? [];
  return [...statements.filter((s) => !/^\s*(?:import|export)\s+type\b/.test(s)), ...dynamic].map((s) => s.trim().replace(/\s+/g, ' '));
}

describe('the operator process and @kubernetes/client-node', () => {
  it('no file in src/ imports it except for types', () => {
    const offenders = sourceFiles(SRC).flatMap((file) => valueImports(readFileSync(file, 'utf8')).map((s) => `${relative(OPERATOR_DIR, file)}: ${s}`));
    assert.deepEqual(offenders, []);
  });

  it('knows a value import from a type import', () => {
    assert.deepEqual(valueImports(`import type { V1Pod } from '${PACKAGE}';\nexport type { V1Pod } from '${PACKAGE}';`), []);
    assert.equal(valueImports(`import {\n  KubeConfig,\n} from '${PACKAGE}';`).length, 1);
    assert.equal(valueImports(`import { type V1Pod } from '${PACKAGE}';`).length, 1);
    assert.equal(valueImports(`const m = await import('${PACKAGE}');`).length, 1);
  });

  it('importing the entry point and the operator loads no module of it', () => {
    // A resolve hook records every module the imports pull in, however deep.
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.push(r.url); return r; } });
      await import(${JSON.stringify(join(SRC, 'main.ts'))});
      await import(${JSON.stringify(join(SRC, 'reconciler', 'operator.ts'))});
      process.stdout.write(JSON.stringify(loaded));
    `;
    const loaded = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: OPERATOR_DIR, encoding: 'utf8' })) as string[];
    assert.ok(loaded.some((url) => url.endsWith('/src/runtime/kubeconfig.ts')), 'the hook saw the operator load');
    assert.deepEqual(loaded.filter((url) => url.includes('/node_modules/@kubernetes/')), []);
  });
});
