import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { PACKAGE_DIR } from '../api/samples.ts';

const OUR_REPOSITORY = 'ghcr.io/chatcli-operator/chatcli-operator';
const version = (JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;

describe("the operator's image name", () => {
  it("config/manager/manager.yaml runs our image at package.json's version, never upstream's Go operator or :latest", () => {
    const docs = parseAllDocuments(readFileSync(join(PACKAGE_DIR, 'config', 'manager', 'manager.yaml'), 'utf8')).map((d) => d.toJS());
    const deployment = docs.find((d: { kind: string }) => d.kind === 'Deployment') as { spec: { template: { spec: { containers: { image: string }[] } } } };
    assert.deepEqual(deployment.spec.template.spec.containers.map((c) => c.image), [`${OUR_REPOSITORY}:${version}`]);
  });

  it("the Makefile's IMG defaults to the same name, and make deploy replaces exactly that name", () => {
    const makefile = readFileSync(join(PACKAGE_DIR, 'Makefile'), 'utf8');
    assert.match(makefile, new RegExp(`^IMG_DEFAULT := ${OUR_REPOSITORY.replaceAll('.', '\\.')}:\\$\\(VERSION\\)$`, 'm'));
    assert.match(makefile, /^IMG \?= \$\(IMG_DEFAULT\)$/m);
    assert.match(makefile, /sed "s\|image: \$\(IMG_DEFAULT\)\$\$\|image: \$\(IMG\)\|"/);
    const code = makefile.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    assert.doesNotMatch(code, /diillson\/chatcli-operator|chatcli-operator:latest/);
  });
});
