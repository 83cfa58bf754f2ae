#!/usr/bin/env bash
# Runs test/groundtruth (the plugin against the real helm-controller) under
# several controller settings, one after the other: each run starts its own
# control plane and controller and takes 2-4 minutes. Both modes end with
# the busy set (TestGroundTruthBusy: --concurrent=2, attempts queued behind
# Helm waits, jitter 5 %) and the lag set (TestGroundTruthEventLag: the
# controller's Events land 1 s late, ~2 minutes), once.
#
#   hack/groundtruth.sh all     jitter 0, 5 and 20 %, the DefaultToRetryOnFailure gate (at 5 %),
#                               --min-retry-delay=1s --max-retry-delay=40s (delays, at 5 %), the
#                               CancelHealthCheckOnNewRevision gate (cancel, at 5 %); busy; lag; shards
#   hack/groundtruth.sh ci      jitter 5 %, and one of {0 %, 20 %, the gate, delays, shards, cancel}
#                               in rotation by the day of the year (UTC), to keep CI's time down; busy; lag
#   hack/groundtruth.sh cancel  the CancelHealthCheckOnNewRevision gate (at 5 %) alone
#   hack/groundtruth.sh shards  the sharded cluster alone (TestGroundTruthShards: two controllers split
#                               by --watch-label-selector, jitter 5 % and 10 %)
#
# KUBEBUILDER_ASSETS, HRRETRY_BIN and HELM_CONTROLLER_BIN come from the
# environment (the Makefile sets them). Each run writes its results table
# (HRRETRY_GT_REPORT), its controller log, its recording (HRRETRY_GT_RECORD,
# replayable offline: a failed run's states stay to study) and its `go test` output into
# $HRRETRY_GT_REPORT_DIR (default: a new temporary directory, outside the
# clone), printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case $mode in
all) settings=(jitter0 jitter5 jitter20 gate delays cancel busy lag shards) ;;
cancel) settings=(cancel) ;;
shards) settings=(shards) ;;
ci)
	rotation=(jitter0 jitter20 gate delays shards cancel)
	day=$((10#$(date -u +%j)))
	settings=(jitter5 "${rotation[$((day % ${#rotation[@]}))]}" busy lag)
	;;
*)
	echo "usage: $0 all|ci|cancel|shards" >&2
	exit 2
	;;
esac

out=${HRRETRY_GT_REPORT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/hrretry-groundtruth.XXXXXX")}
mkdir -p "$out"
status=0
for setting in "${settings[@]}"; do
	jitter=5 gates="" delays="" test=TestGroundTruth
	case $setting in
	delays) delays=1s,40s ;;
	cancel) gates=CancelHealthCheckOnNewRevision=true ;;
	busy) test=TestGroundTruthBusy ;;
	lag) test=TestGroundTruthEventLag ;;
	shards) test=TestGroundTruthShards ;;
	jitter*) jitter=${setting#jitter} ;;
	gate) gates=DefaultToRetryOnFailure=true ;;
	esac
	start=$SECONDS
	result=ok
	HRRETRY_GT_JITTER=$jitter HRRETRY_GT_GATES=$gates HRRETRY_GT_RETRY_DELAYS=$delays HRRETRY_GT_REPORT="$out/$setting.md" \
		HRRETRY_GT_LOG="$out/$setting-controller.log" HRRETRY_GT_RECORD="$out/$setting.json.gz" \
		go test -count=1 -timeout 30m -run "^$test\$" -v ./test/groundtruth/... >"$out/$setting.log" 2>&1 || result=FAIL
	echo "groundtruth $setting ($test, jitter $jitter %, gates '${gates}', retry delays '${delays}'): $result in $((SECONDS - start))s"
	if [[ $result != ok ]]; then
		status=1
		grep -E '^\s+--- FAIL|DISAGREE|never matched|no agreeing|did not create' "$out/$setting.log" | head -40 || true
	fi
done
echo "reports: $out"
exit $status
