// Valid ChatCLIInstances that exercise one field each: every provider, the
// ServiceAccount's workload-identity annotations, agents and skills, the metrics port, the server's security settings. The offline validator
// (validate.test.ts) and the real API server (test/integration/api-validation.test.ts)
// both accept them.
import { PROVIDERS } from '../../../src/api/chatcliinstance.ts';
import { instanceWith } from './invalid-instances.ts';

export interface ValidCase {
  name: string;
  instance: Record<string, unknown>;
}

export const VALID_CASES: ValidCase[] = [
  ...PROVIDERS.map((provider) => ({ name: `provider ${provider}`, instance: instanceWith({ provider }) })),
  // Accepted: the status names the gap (PodsHealthy ProviderNotInImage).
  { name: 'provider OPENROUTER with image tag v1.57.1, which lacks it', instance: instanceWith({ provider: 'OPENROUTER', image: { tag: 'v1.57.1' } }) },
  {
    name: 'BEDROCK with an IRSA role on the ServiceAccount',
    instance: instanceWith({ provider: 'BEDROCK', serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/chatcli-bedrock' } }, env: [{ name: 'AWS_REGION', value: 'eu-west-1' }] }),
  },
  { name: 'a GKE service account on the ServiceAccount', instance: instanceWith({ serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'chatcli@project.iam.gserviceaccount.com' } } }) },
  {
    name: 'Azure workload identity: client id on the ServiceAccount, use label on the pods',
    instance: instanceWith({
      serviceAccount: { annotations: { 'azure.workload.identity/client-id': '00000000-0000-0000-0000-000000000000' } },
      podLabels: { 'azure.workload.identity/use': 'true' },
    }),
  },
  { name: 'serviceAccount with no annotations', instance: instanceWith({ serviceAccount: {} }) },
  { name: 'agents from two ConfigMaps, skills from one', instance: instanceWith({ agents: { configMaps: [{ name: 'team-agents' }, { name: 'sre.agents' }] }, skills: { configMaps: [{ name: 'team-skills' }] } }) },
  { name: '16 skills ConfigMaps', instance: instanceWith({ skills: { configMaps: Array.from({ length: 16 }, (_, i) => ({ name: `skills-${i}` })) } }) },
  { name: 'metrics port 0 (off)', instance: instanceWith({ server: { metrics: { port: 0 } } }) },
  { name: 'metrics port 9100, server port 9090 (free once metrics moved)', instance: instanceWith({ server: { port: 9090, metrics: { port: 9100 } } }) },
  { name: 'metrics with no port (9090)', instance: instanceWith({ server: { metrics: {} } }) },
  {
    name: 'every security setting (JWT with issuer and audience, a fractional rate, limits, audit log)',
    instance: instanceWith({
      server: {
        token: { name: 'chat-token', key: 'token' },
        security: {
          jwt: { secret: { name: 'chat-jwt', key: 'hmac-key' }, issuer: 'https://idp.example.com', audience: 'chatcli' },
          rateLimit: { rps: 0.5, burst: 1 },
          maxRecvMsgSize: 2_147_483_647,
          maxSendMsgSize: 1,
          maxConcurrentStreams: 1,
          auditLog: { enabled: true },
        },
      },
    }),
  },
  { name: 'a JWT key alone, no static token', instance: instanceWith({ server: { security: { jwt: { secret: { name: 'chat-jwt', key: 'k' } } } } }) },
  { name: 'an integer rps, no burst', instance: instanceWith({ server: { security: { rateLimit: { rps: 1_000_000 } } } }) },
  { name: 'empty security, empty rateLimit, audit log off', instance: instanceWith({ server: { security: { rateLimit: {}, auditLog: {} } } }) },
  { name: 'caBundle from a ConfigMap key', instance: instanceWith({ caBundle: { configMapKeyRef: { name: 'corp-ca', key: 'ca.crt' } } }) },
  { name: 'caBundle from a Secret key', instance: instanceWith({ caBundle: { secretKeyRef: { name: 'corp-ca', key: 'bundle.pem' } } }) },
  {
    name: 'volumes of every source, mounted inside $HOME, $HOME/.chatcli and elsewhere',
    instance: instanceWith({
      volumes: [
        { name: 'aws', configMap: { name: 'aws-config', items: [{ key: 'config', path: 'config', mode: 0o644 }], defaultMode: 0o444 } },
        { name: 'creds', secret: { secretName: 'creds', optional: true } },
        { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 'shared', persistentVolumeClaim: { claimName: 'shared-data', readOnly: true } },
        { name: 'identity', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 3600, path: 'token' } }, { configMap: { name: 'aws-config' } }, { secret: { name: 'creds' } }] } },
        { name: 'vault', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'chatcli' } } },
      ],
      volumeMounts: [
        { name: 'aws', mountPath: '/home/chatcli/.aws', readOnly: true },
        { name: 'creds', mountPath: '/home/chatcli/.chatcli/plugins', subPath: 'plugins' },
        { name: 'scratch', mountPath: '/tmp/scratch' },
        { name: 'shared', mountPath: '/data' },
        { name: 'identity', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' },
        { name: 'vault', mountPath: '/mnt/secrets-store' },
      ],
    }),
  },
  { name: 'a ServiceMonitor on the default metrics port', instance: instanceWith({ server: { metrics: { serviceMonitor: { enabled: true, interval: '30s', labels: { release: 'prometheus' } } } } }) },
  { name: 'a ServiceMonitor turned off with the metrics', instance: instanceWith({ server: { metrics: { port: 0, serviceMonitor: { enabled: false } } } }) },
  { name: 'a volume nobody mounts', instance: instanceWith({ volumes: [{ name: 'unused', emptyDir: {} }] }) },
];
