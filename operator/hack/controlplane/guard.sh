#!/usr/bin/env bash
# guard.sh PARENT_PID COMMAND [ARGS...]
# Runs COMMAND and ends it (TERM, then KILL) as soon as PARENT_PID is gone or this
# guard is signalled, so a control-plane process never outlives the test or shell
# that started it, even when that one was killed with SIGKILL.
parent=$1; shift
"$@" &
child=$!
stop() {
  kill -TERM "$child" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$child" 2>/dev/null || exit 0; sleep 0.1; done
  kill -KILL "$child" 2>/dev/null
  exit 0
}
trap stop TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
  kill -0 "$parent" 2>/dev/null || stop
  sleep 0.5 & wait $!
done
wait "$child"
