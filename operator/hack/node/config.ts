// The node components' configuration files, as pure functions of the layout.
// Each setting that is not a default says why it is there.
import { BRIDGE, KUBELET_PORT, NODE_IP, NODE_NAME, NODE_POD_SUBNET, POD_CIDR, SERVICE_CIDR, paths } from './layout.ts';

/** The CNI network's name (also the prefix of its host-local IP allocations). */
export const CNI_NETWORK = 'chatcli-pods';

/**
 * containerd's hosts.toml for one registry (its directory under
 * paths.registryHosts is named `host[:port]`): HTTPS to that host only, for pulls
 * and resolving tags, trusting the CA in caFile (a test's own, never the machine's).
 */
export function registryHostsToml(host: string, caFile: string): string {
  return `server = "https://${host}"

[host."https://${host}"]
  capabilities = ["pull", "resolve"]
  ca = "${caFile}"
`;
}

/** containerd 1.6 (config version 2): CRI only, our own dirs, a locally imported sandbox image. */
export function containerdConfig(sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"
# Snapshotters and services a CRI node does not use; "opt" would create /opt/containerd.
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.internal.v1.opt", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "${paths.containerdSocket}"

[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"

[${cri}]
  # Never pulled: imported into the k8s.io namespace at start.
  sandbox_image = "${sandboxImage}"
  # Root here lacks CAP_SYS_RESOURCE: without this every sandbox fails with
  # "runc create failed: ... can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  # Network namespaces under our state dir, so cleanup finds them there.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [${cri}.containerd.runtimes.runc.options]
        # PID 1 is not systemd here: cgroupfs, like the kubelet.
        SystemdCgroup = false
        BinaryName = "/usr/sbin/runc"
        # runc's state under our run dir (its default is /run/containerd/runc).
        Root = "${paths.runcRoot}"

  # Registries a test serves (a release pulled by digest, with its own CA): one
  # hosts.toml per registry (registryHostsToml), read at each pull, so adding
  # one needs no restart. None by default: nothing is pulled from elsewhere.
  [${cri}.registry]
    config_path = "${paths.registryHosts}"

  [${cri}.cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${paths.cniConfDir}"
    max_conf_num = 1
`;
}

/**
 * The pod network: veths on BRIDGE, addresses from NODE_POD_SUBNET. Pods get
 * routes to the pod and Service CIDRs only, no default route, and nothing is
 * masqueraded, so no pod packet can be sent toward the outside at all.
 */
export function cniConflist(): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: CNI_NETWORK,
    plugins: [
      {
        type: 'bridge',
        bridge: BRIDGE,
        isGateway: true,
        isDefaultGateway: false,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: paths.cniIpamDir,
          ranges: [[{ subnet: NODE_POD_SUBNET, gateway: NODE_IP }]],
          routes: [{ dst: POD_CIDR }, { dst: SERVICE_CIDR }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

/** JSON is YAML: the kubelet and kube-proxy read these as their configuration files. */
export function kubeletConfig(opts: { clientCaFile: string; tlsCertFile: string; tlsKeyFile: string; healthzPort: number }): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // cgroups are v1 here; kubelet 1.37 refuses them unless told otherwise.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    address: NODE_IP,
    port: KUBELET_PORT,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: opts.healthzPort,
    tlsCertFile: opts.tlsCertFile,
    tlsPrivateKeyFile: opts.tlsKeyFile,
    // The API server's client certificate is checked against the cluster CA and
    // authorized by a SubjectAccessReview: kubectl logs/exec work, nobody else gets in.
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: opts.clientCaFile } },
    authorization: { mode: 'Webhook' },
    // No DNS at all (no cluster DNS, nothing outside): pods ask their own loopback (node.ts).
    resolvConf: paths.resolvConf,
    podLogsDir: paths.podLogs,
    // The root user here cannot lower oom_score_adj (no CAP_SYS_RESOURCE).
    oomScoreAdj: 0,
    // Images are imported, never pulled: never garbage-collect them, and
    // never evict pods because a development disk is fuller than a server's.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    maxPods: 110,
    // How often the kubelet syncs every pod, which is when an edited ConfigMap
    // reaches its volumes (default 1m): 10 s keeps the tests that edit one short.
    syncFrequency: '10s',
  }, null, 2);
}

export function kubeProxyConfig(opts: { kubeconfig: string; healthzPort: number; metricsPort: number }): string {
  return JSON.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'nftables',
    clientConnection: { kubeconfig: opts.kubeconfig },
    hostnameOverride: NODE_NAME,
    bindAddress: NODE_IP,
    healthzBindAddress: `127.0.0.1:${opts.healthzPort}`,
    metricsBindAddress: `127.0.0.1:${opts.metricsPort}`,
    clusterCIDR: POD_CIDR,
    detectLocalMode: 'ClusterCIDR',
    // NodePorts answer on the bridge address only, never on the machine's own interfaces.
    nodePortAddresses: [`${NODE_IP}/32`],
    oomScoreAdj: 0,
    // Leave the machine's conntrack sysctls as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  }, null, 2);
}

/**
 * The rule that keeps pod traffic on this machine: whatever routes exist, a
 * packet from a pod that would be forwarded anywhere but to a pod or a Service
 * address, or out of any interface but the bridge, is dropped.
 */
export function nftRules(table: string): string {
  return `table inet ${table} {
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    ip saddr ${POD_CIDR} ip daddr != { ${POD_CIDR}, ${SERVICE_CIDR} } counter drop
    ip saddr ${POD_CIDR} oifname != "${BRIDGE}" counter drop
    meta nfproto ipv6 iifname "${BRIDGE}" counter drop
  }
  # Pods reach the host only at its bridge address (the API server, the kubelet),
  # never at its other addresses.
  chain input {
    type filter hook input priority filter - 10; policy accept;
    iifname "${BRIDGE}" ip daddr != { ${POD_CIDR}, ${SERVICE_CIDR} } counter drop
    meta nfproto ipv6 iifname "${BRIDGE}" counter drop
  }
}
`;
}
