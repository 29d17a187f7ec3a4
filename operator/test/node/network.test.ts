// The pod network: Services through kube-proxy, the API server through the
// `kubernetes` Service as in-cluster clients reach it, and nothing beyond this
// machine's bridge.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BRIDGE, NODE_IP, POD_CIDR, paths } from '../../hack/node/layout.ts';
import { usePlane } from '../support/cluster.ts';
import { apply, createNamespace, probePod, runProbe, waitForPhase, waitForServiceEndpoints } from '../support/node.ts';
import { eventually } from '../support/wait.ts';

const run = promisify(execFile);
const plane = usePlane('node', { images: ['probe'] });
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('pod network on the real node', () => {
  it('a ClusterIP Service reaches a pod', async () => {
    await createNamespace(plane(), 'svc');
    await apply(plane(),
      probePod('svc', 'server', ['serve', '8080'], { container: { ports: [{ containerPort: 8080 }] } }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'svc' }, spec: { selector: { app: 'server' }, ports: [{ port: 80, targetPort: 8080 }] } },
    );
    const server = await waitForPhase(plane(), 'svc', 'server', ['Running']);
    const clusterIP = (await plane().kubectl(['get', 'service', 'web', '-n', 'svc', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    assert.match(clusterIP, /^10\.96\./);
    // A Running pod is not yet an endpoint, nor an endpoint a rule: wait for both, as a client would need them.
    await waitForServiceEndpoints(plane(), 'svc', 'web', async () => new Set([server.status.podIP]), clusterIP, 80);
    const { exitCode, output } = await runProbe(plane(), 'svc', 'client', ['get', `http://${clusterIP}/`, '--timeout', '5']);
    assert.equal(exitCode, 0, output);
    assert.match(output, /^HTTP 200\nserver$/);
  });

  it('a pod reaches the API server through the kubernetes Service with its projected token, and is refused what its RBAC does not allow', async () => {
    await createNamespace(plane(), 'incluster');
    // The kubernetes Service's endpoint is the node's bridge address, which pods route to.
    const endpoint = await plane().kubectl(['get', 'endpointslice', '-n', 'default', '-l', 'kubernetes.io/service-name=kubernetes', '-o', 'jsonpath={.items[*].endpoints[*].addresses[*]}']);
    assert.equal(endpoint.trim(), NODE_IP);
    await apply(plane(),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: 'incluster' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: 'incluster' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: 'incluster' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'incluster' }] },
    );
    // The authorizer reads RBAC from its own caches: the grant is waited for until it takes effect.
    await eventually('the reader may list pods', async () =>
      (await plane().kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'incluster', '--as=system:serviceaccount:incluster:reader']).catch(() => 'no')).trim() === 'yes');
    // $(KUBERNETES_SERVICE_HOST) is expanded from the environment the kubelet gives every container.
    const api = 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)/api/v1/namespaces/incluster';
    const auth = ['--token-file', `${SA_DIR}/token`, '--ca-file', `${SA_DIR}/ca.crt`, '--timeout', '5'];
    const pod = { serviceAccountName: 'reader' };
    const allowed = await runProbe(plane(), 'incluster', 'list-pods', ['get', `${api}/pods`, ...auth], { pod });
    assert.equal(allowed.exitCode, 0, allowed.output);
    assert.match(allowed.output, /^HTTP 200\n/);
    assert.match(allowed.output, /"name":"list-pods"/);
    const refused = await runProbe(plane(), 'incluster', 'list-secrets', ['get', `${api}/secrets`, ...auth], { pod });
    assert.equal(refused.exitCode, 1, refused.output);
    assert.match(refused.output, /^HTTP 403\n/);
    assert.match(refused.output, /system:serviceaccount:incluster:reader/);
    // The token is projected (bound to the pod), not a legacy Secret token.
    const spec = JSON.parse(await plane().kubectl(['get', 'pod', 'list-pods', '-n', 'incluster', '-o', 'json'])) as { spec: { volumes: { projected?: { sources: { serviceAccountToken?: unknown }[] } }[] } };
    assert.ok(spec.spec.volumes.some((v) => v.projected?.sources.some((s) => s.serviceAccountToken)));
  });

  it('no part of the plane listens on all interfaces: only on loopback and the bridge address', async () => {
    const sockets = (await run('ss', ['-ltnupH'])).stdout.split('\n')
      .filter((l) => /"(kube-apiserver|kubelet|kube-proxy|kube-controller|kube-scheduler|containerd|etcd)"/.test(l));
    assert.ok(sockets.some((l) => l.includes(`${NODE_IP}:`)), 'the API server and kubelet listen on the bridge address');
    for (const line of sockets) {
      const local = line.trim().split(/\s+/)[4] ?? '';
      assert.match(local, new RegExp(`^(127\\.0\\.0\\.1|${NODE_IP.replace(/\./g, '\\.')}):\\d+$`), line);
    }
  });

  describe('pod traffic stays on this machine', () => {
    // Two listeners on the host: one on the node's bridge address (pods may reach it),
    // one on the machine's own outward address (they must not).
    const servers: Server[] = [];
    const listen = async (host: string): Promise<number> => {
      const server = createServer((_req, res) => res.end('host\n'));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      return (server.address() as AddressInfo).port;
    };
    let outward: { ip: string; gateway: string } | undefined;
    before(async () => {
      const route = (await run('ip', ['-4', 'route', 'show', 'default'])).stdout;
      const gateway = /via (\S+)/.exec(route)?.[1];
      const ip = gateway ? /src (\S+)/.exec((await run('ip', ['-4', 'route', 'get', gateway])).stdout)?.[1] : undefined;
      if (gateway && ip) outward = { ip, gateway };
    });
    after(() => servers.forEach((s) => s.close()));

    it('a pod reaches the host at the bridge address but not at its outward address nor its gateway', async () => {
      await createNamespace(plane(), 'egress');
      const inside = await listen(NODE_IP);
      const reached = await runProbe(plane(), 'egress', 'bridge', ['get', `http://${NODE_IP}:${inside}/`, '--timeout', '3']);
      assert.equal(reached.exitCode, 0, reached.output);
      assert.ok(outward, 'this machine has a default route to test against');
      const outside = await listen(outward.ip);
      for (const [name, url] of [['outward', `http://${outward.ip}:${outside}/`], ['gateway', `http://${outward.gateway}/`]] as const) {
        const { exitCode, output } = await runProbe(plane(), 'egress', name, ['get', url, '--timeout', '3']);
        assert.equal(exitCode, 2, `${url}: ${output}`);
        assert.match(output, /^error: /);
      }
    });

    it('the drop rule stops pod-CIDR packets bound outside even with a default route (a namespace on the bridge stands in for a pod)', async () => {
      // A pod cannot change its routes (no NET_ADMIN); a namespace of our own on the bridge can,
      // so it shows what the nftables rule does by itself when a packet does head out.
      assert.ok(outward, 'this machine has a default route to test against');
      const ns = 'chatcli-egress-test';
      const sh = async (...args: string[]) => (await run(args[0] ?? 'true', args.slice(1))).stdout;
      const dial = async (host: string, port: number) =>
        await sh('ip', 'netns', 'exec', ns, 'timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`).then(() => 'connected', () => 'failed');
      const drops = async () => [...(await sh('nft', 'list', 'table', 'inet', 'chatcli_node')).matchAll(/counter packets (\d+) bytes \d+ drop/g)]
        .reduce((n, m) => n + Number(m[1]), 0);
      // A run killed inside this test leaves its namespace behind (and /run is not a tmpfs on
      // every machine, so it survives a reboot): take it away first; its veth pair goes with it.
      if (existsSync(`/run/netns/${ns}`)) await sh('ip', 'netns', 'del', ns);
      // `ip netns add` makes /run/netns (a shared bind mount of itself) when it is missing.
      const hadNetnsDir = existsSync('/run/netns');
      await sh('ip', 'netns', 'add', ns);
      try {
        await sh('ip', 'link', 'add', 'cet0', 'type', 'veth', 'peer', 'name', 'cet1', 'netns', ns);
        await sh('ip', 'link', 'set', 'cet0', 'master', BRIDGE, 'up');
        await sh('ip', '-n', ns, 'addr', 'add', '10.244.0.254/24', 'dev', 'cet1');
        await sh('ip', '-n', ns, 'link', 'set', 'cet1', 'up');
        await sh('ip', '-n', ns, 'route', 'add', 'default', 'via', NODE_IP);
        assert.equal(await dial(NODE_IP, await listen(NODE_IP)), 'connected');
        const before = await drops();
        assert.equal(await dial(outward.ip, await listen(outward.ip)), 'failed');
        assert.equal(await dial(outward.gateway, 80), 'failed');
        assert.ok(await drops() > before, 'our rule counted the dropped packets');
      } finally {
        await sh('ip', 'netns', 'del', ns);
        if (!hadNetnsDir) {
          await sh('umount', '/run/netns').catch(() => '');
          await sh('rmdir', '/run/netns');
        }
      }
    });

    it('pods have no default route, no DNS server, and nothing masquerades pod traffic out of the bridge', async () => {
      await createNamespace(plane(), 'egress');
      await apply(plane(), probePod('egress', 'routes', ['sleep', 'inf']));
      const pod = await waitForPhase(plane(), 'egress', 'routes', ['Running']);
      const containerId = (pod.status.containerStatuses?.[0]?.containerID ?? '').replace('containerd://', '');
      const tasks = await plane().node!.ctr(['tasks', 'ls']);
      const pid = new RegExp(`^${containerId}\\s+(\\d+)`, 'm').exec(tasks)?.[1];
      assert.ok(pid, `task of ${containerId} in:\n${tasks}`);
      const routes = (await run('nsenter', ['-t', pid, '-n', 'ip', '-4', 'route', 'show'])).stdout.trim().split('\n').map((r) => r.trim()).sort();
      assert.deepEqual(routes.map((r) => r.split(' ')[0]), ['10.244.0.0/16', '10.244.0.0/24', '10.96.0.0/16']);
      assert.ok(!routes.some((r) => r.startsWith('default')));

      // On the host: the pod subnet is routed to the bridge only.
      const hostRoutes = (await run('ip', ['-4', 'route', 'show', 'match', '10.244.0.5'])).stdout.trim().split('\n');
      assert.deepEqual(hostRoutes.filter((r) => r.startsWith('10.244.')).map((r) => r.split(' ').slice(0, 3).join(' ')), [`10.244.0.0/24 dev ${BRIDGE}`]);
      // No NAT rule masquerades or rewrites the source of pod traffic (CNI ipMasq is off);
      // kube-proxy's only masquerade is for packets it marked itself (hairpin, node ports).
      const nat = (await run('iptables-save', ['-t', 'nat'])).stdout;
      assert.doesNotMatch(nat, /MASQUERADE|SNAT/);
      const ruleset = (await run('nft', ['list', 'ruleset'])).stdout;
      const masquerades = ruleset.split('\n').map((l) => l.replace(/comment ".*"/, '')).filter((l) => /\b(masquerade|snat)\b/.test(l));
      assert.ok(masquerades.length > 0, 'kube-proxy rules are there to check');
      for (const rule of masquerades) assert.match(rule, /meta mark & 0x00004000 != 0x00000000 |@hairpin-connections /, rule);
      // No DNS: no cluster DNS, and the only server pods are told of is their own loopback
      // (not the machine's resolver, which containerd copies in when given none).
      const sandboxes = join(paths.containerdRoot, 'io.containerd.grpc.v1.cri', 'sandboxes');
      const resolvConfs = await Promise.all((await readdir(sandboxes)).map(async (id) => await readFile(join(sandboxes, id, 'resolv.conf'), 'utf8')));
      assert.ok(resolvConfs.length > 0, `sandboxes under ${sandboxes}`);
      for (const conf of resolvConfs) assert.deepEqual(conf.match(/^nameserver .*/gm), ['nameserver 127.0.0.1'], conf);
      // The rule that drops pod packets headed anywhere but pods and Services.
      assert.match(ruleset, new RegExp(`ip saddr ${POD_CIDR.replace(/\./g, '\\.')} ip daddr != \\{ 10\\.96\\.0\\.0/16, 10\\.244\\.0\\.0/16 \\} counter packets \\d+ bytes \\d+ drop`));
    });
  });
});
