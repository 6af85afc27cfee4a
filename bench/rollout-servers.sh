#!/usr/bin/env bash
# Rollouts on `cooper serve` processes (loopback): GRPO step time in process vs 1 and 2 local servers, then a run
# that loses one of two servers (kill -9) after its second step and must still log every step.
#   bash bench/rollout-servers.sh            (after `dotnet build Cooper.slnx -c Release`)
# Environment: STEPS (default 8), OUT (default runs/bench-rollout-servers), THREADS (torch threads per process, default 1),
# COOPER (the command, default: dotnet src/Cooper.Cli/bin/Release/net10.0/cooper.dll).
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a CLI <<< "${COOPER:-dotnet src/Cooper.Cli/bin/Release/net10.0/cooper.dll}"
STEPS=${STEPS:-8}
OUT=${OUT:-runs/bench-rollout-servers}
THREADS=${THREADS:-1}
P1=${P1:-8101}
P2=${P2:-8102}
rm -rf "$OUT"; mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

serve() {   # serve PORT -> pid in SERVED
  "${CLI[@]}" serve --model models/policy --port "$1" --threads "$THREADS" > "$OUT/serve-$1.log" 2>&1 &
  SERVED=$!; PIDS+=("$SERVED")
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$1/health" > /dev/null && return 0; sleep 0.5; done
  echo "server on port $1 did not start; see $OUT/serve-$1.log" >&2; exit 1
}

train() {   # train NAME [extra --set …]
  local name=$1; shift
  "${CLI[@]}" train --threads "$THREADS" --set steps="$STEPS" --set val_every=0 --set checkpoint_every=0 --set test_prompts=0 \
    --set grpo.prompts_per_step=8 --set grpo.rollouts_per_prompt=16 --set out="$OUT" --set name="$name" "$@" > "$OUT/$name.log" 2>&1
}

summary() {   # mean per-step times of a run, the first step left out (warm-up)
  python3 - "$OUT/$1/metrics.jsonl" "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"train/reward_mean"' in l]
rest = rows[1:] or rows
mean = lambda k: sum(r.get(k, 0) for r in rest) / len(rest)
print(f"{sys.argv[2]:<10} steps={len(rows)} step_s={mean('time/step_s'):.2f} rollout_s={mean('time/rollout_s'):.2f} "
      f"policy_update_s={mean('time/policy_update_s'):.2f} sync_s={mean('time/sync_s'):.2f} "
      f"probe_diff_max={max(r.get('rollout/probe_logprob_diff', 0) for r in rows):.2e} "
      f"logprob_gap_max={max(r.get('rollout/logprob_gap', 0) for r in rows):.2e} "
      f"live={[int(r.get('rollout/servers_live', 0)) for r in rows]} failovers={sum(r.get('rollout/failovers', 0) for r in rows):.0f}")
PY
}

train local
serve "$P1"; S1=$SERVED
train one --set rollout.backend=endpoint --set "rollout.urls=[http://127.0.0.1:$P1]"
serve "$P2"; S2=$SERVED
train two --set rollout.backend=endpoint --set "rollout.urls=[http://127.0.0.1:$P1,http://127.0.0.1:$P2]"

# Lose a server mid-run: kill -9 the second once two steps are logged.
train kill --set rollout.backend=endpoint --set "rollout.urls=[http://127.0.0.1:$P1,http://127.0.0.1:$P2]" &
T=$!
until [ -f "$OUT/kill/metrics.jsonl" ] && [ "$(grep -c train/reward_mean "$OUT/kill/metrics.jsonl")" -ge 2 ]; do sleep 0.5; done
kill -9 "$S2"
wait "$T"

echo "machine: $(nproc) cores, $(uname -sr); date: $(date -u +%F); threads per process: $THREADS"
for r in local one two kill; do summary "$r"; done
n=$(grep -c train/reward_mean "$OUT/kill/metrics.jsonl")
[ "$n" -eq "$STEPS" ] || { echo "FAIL: the run that lost a server logged $n of $STEPS steps" >&2; exit 1; }
echo "ok: the run that lost a server logged all $STEPS steps"
