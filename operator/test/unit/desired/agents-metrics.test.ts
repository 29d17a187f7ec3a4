// spec.agents and spec.skills (ConfigMaps as the server's Markdown folders) and
// spec.server.metrics.port (the Prometheus port, 0 off).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import { envConfigData } from '../../../src/desired/configmap.ts';
import { desiredObjects } from '../../../src/desired/index.ts';
import { instance } from './fixtures.ts';
import { containerOf, deploymentOf, findObject, podOf } from './support.ts';

const serviceOf = (inst: ReturnType<typeof instance>) => findObject(desiredObjects(inst), 'Service') as V1Service;
describe('agents and skills', () => {
  it('none asked for: no volume and no mount (the pod as before)', () => {
    const inst = instance({ provider: 'OPENAI' });
    assert.ok(!podOf(inst).volumes?.some((v) => v.name === 'agents' || v.name === 'skills'));
    assert.ok(!containerOf(inst).volumeMounts?.some((m) => m.name === 'agents' || m.name === 'skills'));
  });

  it('each becomes one projected volume of its ConfigMaps, in order, mounted read-only whole (no subPath) where v1.188.0 reads it', () => {
    const inst = instance({
      provider: 'OPENAI',
      agents: { configMaps: [{ name: 'team-agents' }, { name: 'sre-agents' }] },
      skills: { configMaps: [{ name: 'team-skills' }] },
    });
    const volumes = podOf(inst).volumes ?? [];
    assert.deepEqual(volumes.find((v) => v.name === 'agents'), {
      name: 'agents',
      projected: { sources: [{ configMap: { name: 'team-agents' } }, { configMap: { name: 'sre-agents' } }] },
    });
    assert.deepEqual(volumes.find((v) => v.name === 'skills'), { name: 'skills', projected: { sources: [{ configMap: { name: 'team-skills' } }] } });
    const mounts = containerOf(inst).volumeMounts ?? [];
    assert.deepEqual(mounts.find((m) => m.name === 'agents'), { name: 'agents', mountPath: '/home/chatcli/.chatcli/agents', readOnly: true });
    assert.deepEqual(mounts.find((m) => m.name === 'skills'), { name: 'skills', mountPath: '/home/chatcli/.chatcli/skills', readOnly: true });
    // Inside the state emptyDir, mounted after it.
    const names = mounts.map((m) => m.name);
    assert.ok(names.indexOf('chatcli-state') < names.indexOf('agents'));
  });

  it('only agents: no skills volume', () => {
    const inst = instance({ provider: 'OPENAI', agents: { configMaps: [{ name: 'a' }] } });
    assert.deepEqual(podOf(inst).volumes?.filter((v) => v.name === 'agents' || v.name === 'skills').map((v) => v.name), ['agents']);
  });

  it('a ConfigMap change rolls no pod: the config hash does not depend on the names of the ConfigMaps nor their content (the server re-reads the folder)', () => {
    const hash = (spec: Parameters<typeof instance>[0]) => deploymentOf(instance(spec)).spec?.template.metadata?.annotations?.['chatcli.diillson.com/config-hash'];
    assert.equal(hash({ provider: 'OPENAI', agents: { configMaps: [{ name: 'a' }] } }), hash({ provider: 'OPENAI' }));
  });
});

describe('server metrics port', () => {
  it('by default 9090: the env ConfigMap, the container port and the Service port', () => {
    const inst = instance({ provider: 'OPENAI' });
    assert.equal(envConfigData(inst).CHATCLI_METRICS_PORT, '9090');
    assert.deepEqual(containerOf(inst).ports?.find((p) => p.name === 'metrics'), { name: 'metrics', containerPort: 9090, protocol: 'TCP' });
    assert.deepEqual(serviceOf(inst).spec?.ports?.find((p) => p.name === 'metrics'), { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' });
  });

  it('another port moves all three', () => {
    const inst = instance({ provider: 'OPENAI', server: { port: 9090, metrics: { port: 9100 } } });
    assert.equal(envConfigData(inst).CHATCLI_METRICS_PORT, '9100');
    assert.deepEqual(containerOf(inst).ports, [
      { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9100, protocol: 'TCP' },
    ]);
    assert.deepEqual(serviceOf(inst).spec?.ports, [
      { name: 'grpc', port: 9090, targetPort: 'grpc', protocol: 'TCP' },
      { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('0 turns the server\'s metrics off: CHATCLI_METRICS_PORT=0, no metrics port on the container or the Service', () => {
    const inst = instance({ provider: 'OPENAI', server: { metrics: { port: 0 } } });
    assert.equal(envConfigData(inst).CHATCLI_METRICS_PORT, '0');
    assert.deepEqual(containerOf(inst).ports?.map((p) => p.name), ['grpc']);
    assert.deepEqual(serviceOf(inst).spec?.ports?.map((p) => p.name), ['grpc']);
    // The probes never used it.
    assert.deepEqual(containerOf(inst).readinessProbe?.tcpSocket, { port: 'grpc' });
  });

  it('a port change rolls the pods (the env ConfigMap is in the config hash)', () => {
    const hash = (port: number) => deploymentOf(instance({ provider: 'OPENAI', server: { metrics: { port } } })).spec?.template.metadata?.annotations?.['chatcli.diillson.com/config-hash'];
    assert.notEqual(hash(9100), hash(9090));
  });
});
