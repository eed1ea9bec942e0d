# Shared by the benchmark scripts: a local collector over mTLS, set up as
# scripts/demo.sh does (a development PKI, an admin token, enrollment
# tokens for agents). start_collector and start_agent need $collector and
# $plumbctl (binaries); everything here needs $work (a scratch directory).

# start_collector: starts it in the background ($cpid), exports what
# plumbctl needs and sets $grpc (and $http).
start_collector() {
  "$plumbctl" pki init --dir "$work/pki" >/dev/null
  "$collector" token create --role admin --name bench --data-dir "$work/collector" >"$work/admin.token"
  pick_ports
  export PLUMB_CA=$work/pki/ca.pem PLUMB_TOKEN_FILE=$work/admin.token PLUMB_COLLECTOR=https://$grpc
  serve_collector "$collector" "$work/collector.log" --data-dir "$work/collector" \
    --enroll-ca-cert "$work/pki/ca.pem" --enroll-ca-key "$work/pki/ca.key" || return 1
  cpid=$pid
}

# start_agent ROOT MANIFEST IMAGE NAME [FLAGS...]: pushes the manifest,
# enrolls and starts an agent on ROOT in the background ($apid).
start_agent() {
  local root=$1 manifest=$2 image=$3 name=$4 enroll
  shift 4
  "$plumbctl" manifest push "$manifest" >/dev/null 2>&1 || true
  enroll=$("$plumbctl" enroll create --image "$image" --ttl 10m)
  PLUMB_ENROLL_TOKEN=$enroll "$agent" run --collector "https://$grpc" --ca "$work/pki/ca.pem" \
    --image-id "$image" --node-id "$name" --manifest "$manifest" --root "$root" \
    --state-dir "$work/state-$name" "$@" >"$work/agent-$name.log" 2>&1 &
  apid=$!
}

# cpu_ticks PID: user + system CPU time of PID, in clock ticks.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# The functions below need only $work/pki (from `plumbctl pki init`).

# pick_ports: sets $grpc and $http to random loopback addresses below the
# kernel's ephemeral range (32768+), where a load generator's own client
# sockets would collide with a listener.
pick_ports() {
  grpc=127.0.0.1:$((20000 + RANDOM % 6000)) http=127.0.0.1:$((26000 + RANDOM % 6000))
}

# until_ready HTTP [TRIES]: waits until https://HTTP/readyz answers,
# TRIES times 0.2 s at most (default 300); returns 1 if it never did.
until_ready() {
  local _
  for _ in $(seq 1 "${2:-300}"); do
    curl -fs --cacert "$work/pki/ca.pem" "https://$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# serve_collector BINARY LOG [FLAGS...]: `BINARY serve` over mTLS on
# $grpc and $http with FLAGS (its database, say), in the environment
# $COLLECTOR_ENV adds to, its output appended to LOG. Sets $pid (also
# appended to $pids) and returns once it is ready, or 1 with the end of
# LOG on stderr.
serve_collector() {
  local bin=$1 log=$2
  shift 2
  # shellcheck disable=SC2086 # COLLECTOR_ENV holds NAME=VALUE words
  env ${COLLECTOR_ENV:-} "$bin" serve --grpc "$grpc" --http "$http" "$@" \
    --tls-cert "$work/pki/collector.pem" --tls-key "$work/pki/collector.key" \
    --client-ca "$work/pki/ca.pem" >>"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  until_ready "$http" && return 0
  echo "the collector ($bin, $*) did not start; the end of $log:" >&2
  tail -n 5 "$log" >&2
  return 1
}

# stop_all: kills every process in $pids and reaps them, quietly (for
# the scripts' EXIT traps).
stop_all() {
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
