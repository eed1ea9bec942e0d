#!/usr/bin/env bash
# A node-recycling pipeline in its simplest form: subscribe to plumb's flag
# events and, for every node flagged for replacement, acknowledge it,
# replace it, and retire it. Beside that, every DUE_EVERY seconds (0 =
# never), the nodes due for replacement by patch posture (their image is
# superseded past its grace period, or exposed to an advisory: `plumbctl
# due`) are replaced the same way. They are not compromised: they are
# neither acknowledged nor retired here, and their replacement comes from
# the newest image of their family.
#
#   PLUMB_COLLECTOR=https://collector:7400 PLUMB_CA=ca.pem PLUMB_TOKEN_FILE=operator.token ./recycle.sh
#
# The replacement itself is a dry-run echo here; put your cloud's call
# there (e.g. terminate the instance and let its auto-scaling group launch
# a fresh one from the golden image). MAX_EVENTS stops after that many
# flagged replacements (0 = run forever).
set -euo pipefail
PLUMBCTL=${PLUMBCTL:-plumbctl}
MAX_EVENTS=${MAX_EVENTS:-0}
DUE_EVERY=${DUE_EVERY:-300}
handled=0

replace_node() {
  local node=$1 image=$2
  echo "recycle: [dry-run] would terminate $node and launch a fresh node from image $image"
}

replace_due_node() {
  local node=$1 image=$2 why=$3
  echo "recycle: [dry-run] would replace $node (image $image is due: $why) with a node from its family's newest image"
}

# Due nodes, polled; each one is replaced once per run of this script.
# Stopped with its sleep (which would otherwise hold our stdout open).
due_loop() {
  local seen=" " sleeper=
  trap 'kill $sleeper 2>/dev/null; exit 0' TERM
  while :; do
    while IFS=$'\t' read -r node image why; do
      [ -n "$node" ] || continue
      case "$seen" in *" $node "*) continue ;; esac
      replace_due_node "$node" "$image" "$why"
      seen="$seen$node "
    done < <("$PLUMBCTL" due --nodes || true)
    sleep "$DUE_EVERY" &
    sleeper=$!
    wait "$sleeper" || true
  done
}
due_pid=
if [ "$DUE_EVERY" -gt 0 ]; then
  due_loop &
  due_pid=$!
fi

# --current first replays nodes that were flagged while we were away.
exec 3< <("$PLUMBCTL" flags watch --current)
watcher=$!
trap 'kill "$watcher" $due_pid 2>/dev/null || true' EXIT
while IFS= read -r event <&3; do
  node=$(printf '%s' "$event" | sed -n 's/.*"node_id":"\([^"]*\)".*/\1/p')
  image=$(printf '%s' "$event" | sed -n 's/.*"image_id":"\([^"]*\)".*/\1/p')
  status=$(printf '%s' "$event" | sed -n 's/.*"status":"\([^"]*\)".*/\1/p')
  [ "$status" = "flagged" ] || continue
  echo "recycle: $node is flagged for replacement"
  "$PLUMBCTL" ack "$node" --cause "recycle.sh: replacing"
  replace_node "$node" "$image"
  "$PLUMBCTL" retire "$node" --cause "recycle.sh: replacement launched"
  handled=$((handled + 1))
  if [ "$MAX_EVENTS" -gt 0 ] && [ "$handled" -ge "$MAX_EVENTS" ]; then
    exit 0
  fi
done
