// Where the real node lives on this machine: one bridge, fixed addresses and
// fixed directories. Fixed, so only one node plane can run on a machine at a
// time (host.ts takes a lock), and so a leftover from a killed run is always
// found in the same places by cleanup.sh.
import { join } from 'node:path';

/** The Node object's name (kubelet --hostname-override). */
export const NODE_NAME = 'chatcli-node';
/** The one bridge: pods' veths hang on it and it carries the node's address. */
export const BRIDGE = 'chatcli0';
/** The node's address, on the bridge: kube-apiserver binds and advertises it, the kubelet serves on it. */
export const NODE_IP = '10.244.0.1';
/** The cluster's pod CIDR (kube-proxy's clusterCIDR); this node hands out NODE_POD_SUBNET of it. */
export const POD_CIDR = '10.244.0.0/16';
export const NODE_POD_SUBNET = '10.244.0.0/24';
export const SERVICE_CIDR = '10.96.0.0/16';
/** Our own nftables table (inet family) holding the rule that keeps pod traffic on this machine. */
export const NFT_TABLE = 'chatcli_node';
/** The kubelet's serving port, on NODE_IP only. */
export const KUBELET_PORT = 10250;

/** Persistent-until-stop state: kubelet root, containerd root, CNI, pod logs, provisioned volumes, certs. */
export const STATE_DIR = '/var/lib/chatcli-node';
/** Runtime state: containerd's state and socket, runc's root, network namespaces. */
export const RUN_DIR = '/run/chatcli-node';
/** Held (pid inside) while a node plane runs; outside RUN_DIR so cleaning that never drops the lock. */
export const LOCK_FILE = '/run/chatcli-node.lock';

export const paths = {
  containerdConfig: join(STATE_DIR, 'containerd.toml'),
  containerdRoot: join(STATE_DIR, 'containerd'),
  containerdState: join(RUN_DIR, 'containerd'),
  containerdSocket: join(RUN_DIR, 'containerd.sock'),
  runcRoot: join(RUN_DIR, 'runc'),
  cniConfDir: join(STATE_DIR, 'cni', 'net.d'),
  cniIpamDir: join(STATE_DIR, 'cni', 'networks'),
  kubeletRoot: join(STATE_DIR, 'kubelet'),
  kubeletConfig: join(STATE_DIR, 'kubelet.yaml'),
  kubeletKubeconfig: join(STATE_DIR, 'kubelet.kubeconfig'),
  kubeProxyConfig: join(STATE_DIR, 'kube-proxy.yaml'),
  kubeProxyKubeconfig: join(STATE_DIR, 'kube-proxy.kubeconfig'),
  podLogs: join(STATE_DIR, 'pod-logs'),
  pki: join(STATE_DIR, 'pki'),
  resolvConf: join(STATE_DIR, 'resolv.conf'),
  /** containerd's registry hosts (config_path): <host[:port]>/hosts.toml and its CA, one directory per registry. */
  registryHosts: join(STATE_DIR, 'certs.d'),
  volumes: join(STATE_DIR, 'volumes'),
  /** What the host looked like before the first start (sysctls, nft tables, dirs): cleanup.sh restores it. */
  hostBefore: join(STATE_DIR, 'host-before.env'),
};

/** The environment cleanup.sh and janitor.sh read: this file stays the one source of the layout. */
export function layoutEnv(): Record<string, string> {
  return {
    CHATCLI_NODE_STATE: STATE_DIR,
    CHATCLI_NODE_RUN: RUN_DIR,
    CHATCLI_NODE_LOCK: LOCK_FILE,
    CHATCLI_NODE_BRIDGE: BRIDGE,
    CHATCLI_NODE_NFT_TABLE: NFT_TABLE,
    CHATCLI_NODE_HOST_BEFORE: paths.hostBefore,
    CHATCLI_NODE_CONTAINERD_SOCKET: paths.containerdSocket,
    CHATCLI_NODE_CONTAINERD_STATE: paths.containerdState,
  };
}
