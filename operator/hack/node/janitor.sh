#!/usr/bin/env bash
# janitor.sh PARENT_PID: waits until the process running the node plane is gone,
# however it went (SIGKILL included), then runs cleanup.sh and frees the lock.
# A clean stop does its own cleanup and then ends this janitor.
parent=$1
here=$(cd "$(dirname "$0")" && pwd)
trap '' HUP INT
while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done
# The guards end the node's processes within a few seconds; cleanup.sh kills what is left.
bash "$here/cleanup.sh"
if [ "$(cat "$CHATCLI_NODE_LOCK" 2>/dev/null)" = "$parent" ]; then rm -f "$CHATCLI_NODE_LOCK"; fi
