import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { twinOf } from '../../../src/api/cel.ts';
import { CHART_CRD_TEMPLATE, CRD_FILE, chartCrdTemplate, crdManifest, crdYaml } from '../../../src/api/crd.ts';
import { toStructural, type StructuralSchema } from '../../../src/api/structural.ts';
import { PACKAGE_DIR } from './samples.ts';

const version = crdManifest().spec.versions[0]!;
const root = version.schema.openAPIV3Schema;
const spec = root.properties!.spec!;

/** Every node of a schema with its path. */
function* nodes(schema: StructuralSchema, path = ''): Generator<[string, StructuralSchema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${path}.${name}`);
  if (schema.items) yield* nodes(schema.items, `${path}[]`);
  if (schema.additionalProperties) yield* nodes(schema.additionalProperties, `${path}{}`);
}

describe('the CRD', () => {
  for (const [file, text] of [[CRD_FILE, crdYaml()], [CHART_CRD_TEMPLATE, chartCrdTemplate()]] as const) {
    it(`is committed as generated (run \`npm run manifests\` when this fails): ${file}`, () => {
      assert.equal(readFileSync(join(PACKAGE_DIR, file), 'utf8'), text);
    });
  }

  it('names the resource as SPEC.md does, namespaced, with the status subresource', () => {
    const m = crdManifest();
    assert.equal(m.metadata.name, 'chatcliinstances.chatcli.diillson.com');
    assert.deepEqual(m.spec.names, {
      kind: 'ChatCLIInstance',
      listKind: 'ChatCLIInstanceList',
      plural: 'chatcliinstances',
      singular: 'chatcliinstance',
      shortNames: ['chatcli', 'cci'],
    });
    assert.equal(m.spec.scope, 'Namespaced');
    assert.equal(version.name, 'v1alpha1');
    assert.deepEqual(version.subresources, { status: {} });
  });

  it('prints NAME, READY, REPLICAS, PROVIDER, AGE', () => {
    assert.deepEqual(
      version.additionalPrinterColumns.map((c) => [c.name, c.jsonPath]),
      [
        ['Ready', '.status.ready'],
        ['Replicas', '.status.replicas'],
        ['Provider', '.spec.provider'],
        ['Age', '.metadata.creationTimestamp'],
      ],
    );
  });

  it('is structural: a type on every node, anyOf only for int-or-string, no const', () => {
    for (const [path, node] of nodes(root)) {
      if (node['x-kubernetes-int-or-string']) {
        assert.deepEqual(node.anyOf, [{ type: 'integer' }, { type: 'string' }], path);
        assert.equal(node.type, undefined, path);
      } else {
        assert.ok(node.type, `${path} has no type`);
        assert.equal(node.anyOf, undefined, path);
      }
      assert.equal('const' in node, false, path);
      assert.deepEqual(Object.getOwnPropertySymbols(node), [], path);
    }
  });

  it('describes every field of spec and status', () => {
    for (const [path, node] of [...nodes(spec, '.spec'), ...nodes(root.properties!.status!, '.status')]) {
      if (path.endsWith('{}') || path.endsWith('[]')) continue; // map values and list items are described by their field
      assert.ok(node.description && node.description.length > 10, `${path} has no description`);
    }
  });

  it('bounds every string, list and map of the spec, so CEL cost estimates are finite', () => {
    for (const [path, node] of nodes(spec, '.spec')) {
      if (node.type === 'string' || node['x-kubernetes-int-or-string']) assert.ok(node.maxLength !== undefined || node.enum, `${path} has no maxLength`);
      if (node.type === 'array') assert.ok(node.maxItems !== undefined, `${path} has no maxItems`);
      if (node.additionalProperties) assert.ok(node.maxProperties !== undefined, `${path} has no maxProperties`);
    }
  });

  it('never lists a defaulted field as required', () => {
    for (const [path, node] of nodes(root)) {
      for (const name of node.required ?? []) assert.equal(node.properties?.[name]?.default, undefined, `${path}.${name}`);
    }
    assert.deepEqual(root.required, ['spec']);
    assert.deepEqual(spec.required, ['provider']);
  });

  it('defaults the seed sub-objects to {} so nested defaults cascade, and the security context to the seed\'s', () => {
    for (const name of ['image', 'server', 'watcher', 'persistence']) assert.deepEqual(spec.properties![name]!.default, {}, name);
    assert.deepEqual(spec.properties!.securityContext!.default, { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    assert.equal(spec.properties!.resources!.default, undefined);
  });

  it('turns unions of literals into a string enum', () => {
    assert.deepEqual(spec.properties!.provider, {
      description: spec.properties!.provider!.description,
      type: 'string',
      enum: [
        'OPENAI', 'OPENAI_ASSISTANT', 'CLAUDEAI', 'GOOGLEAI', 'XAI', 'STACKSPOT', 'OLLAMA',
        'OPENROUTER', 'BEDROCK', 'COPILOT', 'GITHUB_MODELS', 'ZAI', 'MINIMAX', 'MOONSHOT',
      ],
    });
  });

  it('keys targets by namespace, name and kind (defaulted, as a map key must be), so the API server refuses duplicates', () => {
    const targets = spec.properties!.watcher!.properties!.targets!;
    assert.equal(targets['x-kubernetes-list-type'], 'map');
    assert.deepEqual(targets['x-kubernetes-list-map-keys'], ['namespace', 'deployment', 'kind']);
    assert.equal(targets.items!.properties!.kind!.default, 'Deployment');
  });

  it('has a TypeScript twin for every CEL rule, with a message', () => {
    const rules = [...nodes(root)].flatMap(([, node]) => node['x-kubernetes-validations'] ?? []);
    assert.ok(rules.length >= 12, `only ${rules.length} rules`);
    for (const rule of rules) {
      assert.ok(twinOf(rule.rule), `no twin for ${rule.rule}`);
      assert.ok(rule.message.length > 10, rule.rule);
    }
  });

  it('refuses, rather than drops, a schema keyword it cannot carry', () => {
    assert.throws(() => toStructural(Type.Integer({ exclusiveMaximum: 3 })), /exclusiveMaximum/);
    assert.throws(() => toStructural(Type.Union([Type.Literal(1), Type.Literal(2)])), /string literals/);
    assert.throws(() => toStructural(Type.Union([Type.String(), Type.Boolean()])), /int-or-string/);
  });
});
