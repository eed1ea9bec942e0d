#!/usr/bin/env bash
# The Kubernetes variant of recycle.sh: a container that drifted from its
# image (a file written, a binary dropped and run) is never repaired; its
# pod is deleted and its controller starts a fresh one from the image.
#
#   PLUMB_COLLECTOR=https://collector:7400 PLUMB_CA=ca.pem PLUMB_TOKEN_FILE=operator.token ./recycle-pods.sh
#
# Every INTERVAL seconds it asks plumb for drifted containers that belong
# to a pod and deletes each pod once. It is a dry run unless DRY_RUN=0:
# the kubectl command is printed, not run. MAX_EVENTS stops after that
# many pods (0 = run forever). Needs jq.
set -euo pipefail
PLUMBCTL=${PLUMBCTL:-plumbctl}
KUBECTL=${KUBECTL:-kubectl}
INTERVAL=${INTERVAL:-10}
MAX_EVENTS=${MAX_EVENTS:-0}
DRY_RUN=${DRY_RUN:-1}
declare -A handled=()
count=0

delete_pod() {
  local namespace=$1 pod=$2
  if [ "$DRY_RUN" = "0" ]; then
    "$KUBECTL" delete pod --namespace "$namespace" "$pod" --wait=false
  else
    echo "recycle-pods: [dry-run] would run: $KUBECTL delete pod --namespace $namespace $pod --wait=false"
  fi
}

while true; do
  while IFS=$'\t' read -r namespace pod container node; do
    key="$namespace/$pod"
    [ -n "${handled[$key]:-}" ] && continue
    handled[$key]=1
    echo "recycle-pods: container $container of pod $key on $node drifted from its image"
    delete_pod "$namespace" "$pod"
    count=$((count + 1))
    if [ "$MAX_EVENTS" -gt 0 ] && [ "$count" -ge "$MAX_EVENTS" ]; then
      exit 0
    fi
  done < <("$PLUMBCTL" --json containers --status drifted |
    jq -r '.[] | select(.pod != "") | [.namespace, .pod, .name, .node_id] | @tsv')
  sleep "$INTERVAL"
done
