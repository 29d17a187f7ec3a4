// One TLS context per client configuration: every connection to the real API
// server reuses it, and new TLS material (a rotated certificate or CA) makes a
// new one.
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import type * as https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { closeConnections, request } from '../../../src/runtime/kube.ts';
import type { ClusterConfig } from '../../../src/runtime/kubeconfig.ts';
import { tlsModule } from '../../../src/runtime/node-http.ts';
import { usePlane } from '../../support/cluster.ts';

const plane = usePlane('api');

describe('TLS contexts', () => {
  let contextsMade = 0;
  let socketsOpened = 0;
  const createSecureContext = tlsModule.createSecureContext;
  const onSocket = (): void => {
    socketsOpened++;
  };
  before(() => {
    tlsModule.createSecureContext = (...args) => {
      contextsMade++;
      return createSecureContext(...args);
    };
    diagnostics.subscribe('net.client.socket', onSocket);
  });
  after(() => {
    tlsModule.createSecureContext = createSecureContext;
    diagnostics.unsubscribe('net.client.socket', onSocket);
  });

  /** The admin configuration, with the CA replaced by `ca` when given. */
  function config(ca?: () => Buffer): ClusterConfig {
    const admin = plane().adminKubeConfig();
    return {
      getCurrentCluster: () => admin.getCurrentCluster(),
      applyToHTTPSOptions: async (opts: https.RequestOptions) => {
        await admin.applyToHTTPSOptions(opts);
        if (ca) opts.ca = ca();
      },
    };
  }

  it('is made once for all the connections a burst opens (HTTP/1.1)', async () => {
    const kc = config();
    contextsMade = 0;
    socketsOpened = 0;
    process.env.DISABLE_HTTP2 = '1';
    try {
      await Promise.all(Array.from({ length: 20 }, () => request(kc, { method: 'GET', path: '/api/v1/namespaces/default' })));
    } finally {
      delete process.env.DISABLE_HTTP2;
      closeConnections(kc);
    }
    assert.ok(socketsOpened >= 10, `20 requests at once opened ${socketsOpened} connections`);
    assert.equal(contextsMade, 1, `${socketsOpened} connections made ${contextsMade} TLS contexts`);
  });

  it('over HTTP/2, a burst is one connection and one context', async () => {
    const kc = config();
    contextsMade = 0;
    socketsOpened = 0;
    try {
      await Promise.all(Array.from({ length: 20 }, () => request(kc, { method: 'GET', path: '/api/v1/namespaces/default' })));
    } finally {
      closeConnections(kc);
    }
    assert.equal(socketsOpened, 1, `20 requests at once opened ${socketsOpened} connections`);
    assert.equal(contextsMade, 1);
  });

  it('is made again when the material changes, and not for a copy of the same', async () => {
    const admin: https.RequestOptions = {};
    await plane().adminKubeConfig().applyToHTTPSOptions(admin);
    const pem = String(admin.ca);
    let bundle = pem;
    // A new Buffer each time, as a file read again gives.
    const kc = config(() => Buffer.from(bundle));
    contextsMade = 0;
    const get = () => request(kc, { method: 'GET', path: '/api/v1/namespaces/default' });
    try {
      await Promise.all([get(), get(), get()]);
      assert.equal(contextsMade, 1, 'copies of the same CA share one context');
      bundle = `${pem}\n${pem}`; // a CA bundle that changed (and still trusts the server)
      await Promise.all([get(), get(), get()]);
      assert.equal(contextsMade, 2, 'the changed CA bundle made a new context');
    } finally {
      closeConnections(kc);
    }
  });
});
