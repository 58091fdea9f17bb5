#!/usr/bin/env bash
# Two remote trace-tails, each in its own network namespace (made here with
# ip netns, joined to this namespace by a bridge), publish over CURVE into
# one trace-index that binds the bridge address: every line exactly once,
# after a kill -9 and restart of a tail too; unauthorized keys refused.
# Needs root (CI runs as root); elsewhere it skips (77) and says why. The
# scenario is remote_lib.sh; remote_tails_loopback_test.sh runs it anywhere.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
source "$TRACE_SOURCE_DIR/tests/system/remote_lib.sh"
S=$((RANDOM % 90000 + 10000)); NA=ct-a-$S; NB=ct-b-$S; BR=ctbr$S
NET=10.$((RANDOM % 200 + 20)).$((RANDOM % 250))
netns_down() {
  for p in "${_pids[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  for p in "${_pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  ip netns del "$NA" 2>/dev/null || true
  ip netns del "$NB" 2>/dev/null || true
  ip link del "$BR" 2>/dev/null || true
}
trap 'rc=$?; netns_down; (exit $rc); cleanup' EXIT
# Skipped (77) is not failed: no failure logs, nothing left behind.
skip() {
  echo "SKIP: $*"
  trap - EXIT
  netns_down
  rm -rf "$T"
  exit 77
}

[ "$(id -u)" = 0 ] || skip "creating network namespaces needs root (ip netns); see remote_tails_loopback_test.sh"
command -v ip >/dev/null || skip "no ip(8) (iproute2) to create network namespaces"
ip netns add "$NA" 2>"$T/netns.err" || skip "cannot create a network namespace: $(head -1 "$T/netns.err")"
ip netns add "$NB" || fail "second namespace"
ip link add "$BR" type bridge 2>"$T/netns.err" || skip "cannot create a bridge: $(head -1 "$T/netns.err")"
ip addr add "$NET.1/24" dev "$BR"
ip link set "$BR" up
k=2
for ns in "$NA" "$NB"; do  # one veth pair per namespace, host end on the bridge
  h=cth$k$S; n=ctn$k$S
  ip link add "$h" type veth peer name "$n" || fail "veth pair"
  ip link set "$h" master "$BR" up
  ip link set "$n" netns "$ns"
  ip -n "$ns" addr add "$NET.$k/24" dev "$n"
  ip -n "$ns" link set "$n" up
  ip -n "$ns" link set lo up
  k=$((k + 1))
done
remote_scenario "$NET.1" "ip netns exec $NA" "ip netns exec $NB"
addr_a=$(grep '"curve client accepted","client":"a"' "$T/index.log" | head -1)
[[ "$addr_a" == *"\"address\":\"$NET.2\""* ]] || fail "tail a did not connect from its namespace: $addr_a"
pass "remote tails in namespaces $NA ($NET.2) and $NB ($NET.3)"
