#!/usr/bin/env bash
# Upgrading chatcli-operator 0.1.0 to a later release: hands the watcher RBAC
# that 0.1.0 made outside an instance's namespace over to the new operator.
#
# 0.1.0 gave a watcher a Role + RoleBinding in its one target namespace, or a
# ClusterRole + ClusterRoleBinding for several, found by labels only. Later
# releases touch an object outside the instance's namespace only when it
# carries the annotation chatcli.diillson.com/owner-uid=<the instance's uid>
# (labels prove nothing: anyone may set them). Without it the new operator
# reports a Conflict on a Role of the same name and never removes the old
# ClusterRoles, which would keep granting cluster-wide reads.
#
# This script is the proof, given by you: for every Role, RoleBinding,
# ClusterRole and ClusterRoleBinding labelled app.kubernetes.io/managed-by=
# chatcli-operator for an instance that still exists, outside that instance's
# namespace and without the annotation, it prints the object and, with --apply,
# annotates it with the uid of that instance. The new operator then makes its
# own grants (`<instance namespace>.<name>-watcher`), deletes the old Roles once
# those exist (no gap in the watcher's access) and deletes the ClusterRoles it
# no longer wants. Objects labelled for an instance that no
# longer exists are listed for you to delete; nothing else is touched.
# Run it with cluster-admin rights, before or after starting the new operator.
#
#   hack/upgrade/from-0.1.0.sh            # dry run: what it would annotate
#   hack/upgrade/from-0.1.0.sh --apply    # annotate
#   KUBECTL=/path/to/kubectl              # default: kubectl on PATH
set -euo pipefail
kubectl=${KUBECTL:-kubectl}
apply=false
case "${1:-}" in
  --apply) apply=true ;;
  "") ;;
  *) echo "usage: $0 [--apply]" >&2; exit 2 ;;
esac
managed='app.kubernetes.io/managed-by=chatcli-operator'
uid_key='chatcli.diillson.com/owner-uid'
row='{range .items[*]}{.metadata.namespace}|{.metadata.name}|{.metadata.labels.app\.kubernetes\.io/instance}|{.metadata.labels.chatcli\.diillson\.com/instance-namespace}|{.metadata.annotations.chatcli\.diillson\.com/owner-uid}{"\n"}{end}'
found=0
for kind in role rolebinding clusterrole clusterrolebinding; do
  case $kind in cluster*) scope=() ;; *) scope=(--all-namespaces) ;; esac
  rows=$("$kubectl" get "$kind" "${scope[@]}" -l "$managed" -o "jsonpath=$row")
  while IFS='|' read -r ns name instance instance_ns uid; do
    [ -n "$name" ] || continue
    [ -z "$uid" ] || continue                        # already proven
    [ -n "$instance" ] && [ -n "$instance_ns" ] || continue
    [ "$ns" != "$instance_ns" ] || continue          # an owner reference covers it
    where=${ns:+-n $ns}
    owner=$("$kubectl" get chatcliinstance "$instance" -n "$instance_ns" --ignore-not-found -o 'jsonpath={.metadata.uid}')
    found=$((found + 1))
    if [ -z "$owner" ]; then
      echo "$kind ${ns:+$ns/}$name: instance $instance_ns/$instance is gone; delete it yourself: $kubectl delete $kind $where $name"
      continue
    fi
    echo "$kind ${ns:+$ns/}$name -> $uid_key=$owner (instance $instance_ns/$instance)"
    if $apply; then
      # shellcheck disable=SC2086 # $where is "-n ns" or nothing
      "$kubectl" annotate "$kind" $where "$name" "$uid_key=$owner" >/dev/null
    fi
  done <<< "$rows"
done
if [ "$found" = 0 ]; then echo "nothing to hand over"; elif ! $apply; then echo "dry run: run again with --apply to annotate"; fi
