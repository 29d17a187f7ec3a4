import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ApiError,
  apiErrorFrom,
  describePath,
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
  kubeConfigSource,
  loadKubeConfig,
  microTime,
  objectKey,
  objectPath,
  parseObjectKey,
  resourcePath,
  retryAfterSeconds,
} from '../../../src/runtime/kube.ts';
import { ClusterRoles, ConfigMaps, Deployments, Roles } from '../../../src/runtime/resources.ts';

describe('resource paths', () => {
  it('puts the core group under /api and named groups under /apis', () => {
    assert.equal(resourcePath(ConfigMaps), '/api/v1/configmaps');
    assert.equal(resourcePath(Deployments, { namespace: 'prod' }), '/apis/apps/v1/namespaces/prod/deployments');
    assert.equal(objectPath(Roles, { namespace: 'prod', name: 'x-watcher' }), '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/roles/x-watcher');
  });

  it('ignores the namespace of cluster-scoped kinds and adds subresources', () => {
    assert.equal(objectPath(ClusterRoles, { namespace: 'prod', name: 'r' }), '/apis/rbac.authorization.k8s.io/v1/clusterroles/r');
    assert.equal(objectPath(Deployments, { namespace: 'a', name: 'd' }, 'status'), '/apis/apps/v1/namespaces/a/deployments/d/status');
  });

  it('refuses a namespaced object without a namespace, and an empty name', () => {
    assert.throws(() => objectPath(ConfigMaps, { name: 'x' }), /namespace required/);
    assert.throws(() => resourcePath(ConfigMaps, { namespace: 'a', name: '' }), /empty object name/);
  });

  it('escapes path segments', () => {
    assert.equal(objectPath(ConfigMaps, { namespace: 'a', name: 'x/y' }), '/api/v1/namespaces/a/configmaps/x%2Fy');
  });

  it('describes a path as API version, resource and object', () => {
    assert.equal(describePath('/apis/rbac.authorization.k8s.io/v1/namespaces/production/roles/x-watcher'), 'rbac.authorization.k8s.io/v1 roles production/x-watcher');
    assert.equal(describePath('/api/v1/namespaces/a/configmaps'), 'v1 configmaps in a');
    assert.equal(describePath('/apis/apps/v1/namespaces/a/deployments/d/status'), 'apps/v1 deployments a/d (status)');
    assert.equal(describePath('/apis/rbac.authorization.k8s.io/v1/clusterroles/r?fieldManager=x'), 'rbac.authorization.k8s.io/v1 clusterroles r');
    assert.equal(describePath('/version'), '/version');
  });
});

describe('object keys', () => {
  it('is namespace/name, or the name alone for cluster-scoped objects, and parses back', () => {
    assert.equal(objectKey({ metadata: { namespace: 'a', name: 'b' } }), 'a/b');
    assert.equal(objectKey({ metadata: { name: 'c' } }), 'c');
    assert.deepEqual(parseObjectKey('a/b'), { namespace: 'a', name: 'b' });
    assert.deepEqual(parseObjectKey('c'), { name: 'c' });
  });
});

describe('API errors', () => {
  it('carries status, reason and a message naming the call and the object', () => {
    const status = JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'roles.rbac.authorization.k8s.io "x-watcher" is forbidden: user cannot patch' });
    const err = apiErrorFrom('PATCH', '/apis/rbac.authorization.k8s.io/v1/namespaces/production/roles/x-watcher', 403, status);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(
      err.message,
      'PATCH rbac.authorization.k8s.io/v1 roles production/x-watcher: 403 Forbidden: roles.rbac.authorization.k8s.io "x-watcher" is forbidden: user cannot patch',
    );
  });

  it('keeps a non-JSON body as the detail', () => {
    const err = apiErrorFrom('GET', '/api/v1/pods', 502, '<html>bad gateway</html>');
    assert.equal(err.reason, 'Bad Gateway');
    assert.equal(err.message, 'GET v1 pods: 502 Bad Gateway: <html>bad gateway</html>');
  });

  it('classifies not found, conflict, already exists and gone', () => {
    assert.ok(isNotFound(new ApiError('m', 404, 'NotFound')));
    assert.ok(isConflict(new ApiError('m', 409, 'Conflict')));
    assert.ok(isAlreadyExists(new ApiError('m', 409, 'AlreadyExists')));
    assert.ok(!isAlreadyExists(new ApiError('m', 409, 'Conflict')));
    assert.ok(isGone(new ApiError('m', 410, 'Gone')));
    assert.ok(isGone(new ApiError('m', 500, 'Expired')));
    assert.ok(!isNotFound(new Error('404')));
  });
});

describe('microTime', () => {
  it('formats with exactly six fractional digits, as metav1.MicroTime requires', () => {
    assert.equal(microTime(Date.UTC(2025, 0, 2, 3, 4, 5, 678)), '2025-01-02T03:04:05.678000Z');
  });
});

describe('loadKubeConfig', () => {
  it('loads an explicit kubeconfig file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://example.test:6443"}}]',
        'users: [{name: u, user: {token: abc}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
    const kc = loadKubeConfig({ kubeconfigPath: file });
    assert.equal(kc.getCurrentCluster()?.server, 'https://example.test:6443');
  });

  it('names where its configuration comes from: the flag, then KUBECONFIG, then in-cluster, then the default', () => {
    const saved = { KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
    try {
      process.env.KUBECONFIG = '/some/kubeconfig';
      assert.equal(kubeConfigSource({ kubeconfigPath: '/flag' }), 'flag');
      assert.equal(kubeConfigSource(), 'KUBECONFIG');
      delete process.env.KUBECONFIG;
      // In a pod the token file exists too; here it does not, so not in-cluster.
      process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
      assert.equal(kubeConfigSource(), 'default');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('Retry-After', () => {
  it('retries 429 after the seconds it names, 1 s when it names none', () => {
    assert.equal(retryAfterSeconds(429, '3'), 3);
    assert.equal(retryAfterSeconds(429, undefined), 1);
    assert.equal(retryAfterSeconds(429, ['2']), 2);
  });

  it('retries a 5xx only when it sends Retry-After, and never a 4xx other than 429', () => {
    assert.equal(retryAfterSeconds(503, '5'), 5);
    assert.equal(retryAfterSeconds(503, undefined), undefined);
    assert.equal(retryAfterSeconds(500, undefined), undefined);
    assert.equal(retryAfterSeconds(409, '1'), undefined);
    assert.equal(retryAfterSeconds(403, '1'), undefined);
  });

  it('reads an HTTP date, and caps what it waits at 60 s', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterSeconds(429, 'Thu, 01 Jan 2026 00:00:07 GMT', now), 7);
    assert.equal(retryAfterSeconds(429, '3600'), 60);
  });

  it('puts what the server asked for on the error', () => {
    assert.equal(apiErrorFrom('GET', '/api/v1/pods', 429, '', 4).retryAfterSeconds, 4);
  });
});
