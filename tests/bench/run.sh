#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make bench: the benchmarks of issue 8, in one run.
#
#   the bound       crypto and encoding of one message, both cores (bound);
#                   measured again after the throughput runs, and the
#                   ratio taken against the higher of the two
#   throughput      two cairnd on loopback, one client (BENCH_THREADS)
#                   keeping 512 submits in flight, 1 KiB and
#                   64 KiB messages for 10 s, until the last receipt
#   latency         1,000 messages/s for 10 s, submit -> durably in the
#                   receiver's inbox (both daemons run with CAIRND_TRACE,
#                   which also says where each message's time went);
#                   and the first message to a peer not yet connected;
#                   before it, the disk's floor under that figure: the
#                   same schedule through two durable LMDB commits in
#                   series and nothing else (floor), then the same with
#                   the bound's crypto time of each message spent beside
#                   the commits (floor -c)
#   big             one 30 MiB message end to end, peak RSS of both daemons
#   memory          idle RSS; RSS with a backlog of 100,000 messages to a
#                   stopped receiver; time to ready with it; time to drain it
#   others          every other program of tests/bench (bench_audit, ...),
#                   each printing its own "bench:" lines
#
# Real daemons with durable LMDB commits (no NOSYNC, no eatmydata), in a
# mktemp directory, with the daemon's default configuration.  Prints
# "bench: NAME VALUE UNIT [PASS|MISS (target)]" and writes the same to
# build/bench.json (and $B/bench.json when B is another directory).
# Exit 0 unless the bench itself broke; a missed target is not a failure.
#
# Environment: B (build directory), BENCH_SECONDS (10), BENCH_THREADS (1),
# BENCH_WINDOW (512: pipelined submits each client keeps in flight),
# BENCH_BACKLOG (100000), BENCH_BACKLOG_SECONDS (60), KEEP=1 keeps the
# temporary directory, BENCH_ONLY="bound others throughput latency big
# memory",
# BENCH_PERF=DIR records both daemons with perf during the throughput runs,
# BENCH_SIZES="1k 64k" (throughput runs), BENCH_CONF="key = value\n..."
# (extra lines for both daemons' configuration, to try a setting),
# BENCH_LAT_RATE (1000 msg/s), BENCH_LAT_ARGS (more options for load latency),
# BENCH_HOOK=CMD runs "CMD start NAME SENDER_PID RECEIVER_PID" before a
# throughput run and "CMD stop NAME SENDER_PID RECEIVER_PID MSGS" after it
# (to sample the daemons from outside).

set -u
export LC_ALL=C

: "${B:=build}"
BIN=$(cd "$B" && pwd)
CAIRN_KEYS="$BIN/cairn-keys"
CAIRND="$BIN/cairnd"
BOUND="$BIN/bench/bound"
LOAD="$BIN/bench/load"
SECONDS_RUN=${BENCH_SECONDS:-10}
THREADS=${BENCH_THREADS:-1}
WINDOW=${BENCH_WINDOW:-512}
BACKLOG=${BENCH_BACKLOG:-100000}
BACKLOG_SECONDS=${BENCH_BACKLOG_SECONDS:-60}
ONLY=${BENCH_ONLY:-bound others throughput latency big memory}
SENDER=lerum.elevhalsa
RECEIVER=alingsas.uph

T=$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")
declare -A PID VAL
FIGS=()
BROKEN=0

cleanup() {
	local o
	for o in "${!PID[@]}"; do
		[ -n "${PID[$o]}" ] && kill -9 "${PID[$o]}" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

broke() {
	local f
	echo "bench: BROKEN: $*" >&2
	BROKEN=1
	for f in "$T"/log/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f" >&2
		tail -n 15 "$f" >&2
	done
}

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# ---- figures and targets ----------------------------------------------------

# target NAME: "OP LIMIT" that the figure must meet, or nothing.
target() {
	case $1 in
	tp_1k_ratio)		echo ">= 0.80" ;;
	lat_delivered_p99)	echo "<= 5" ;;
	big_time)		echo "< 2" ;;
	big_rss_sender|big_rss_receiver) echo "< 90" ;;
	idle_rss)		echo "< 16" ;;
	backlog_rss)		[ -n "${VAL[idle_rss]:-}" ] &&
				    awk -v i="${VAL[idle_rss]}" \
				    'BEGIN { printf "<= %.1f\n", 2 * i }' ;;
	backlog_ready)		echo "< 1" ;;
	esac
}

# fig NAME VALUE UNIT: print, remember, judge.
fig() {
	local name=$1 value=$2 unit=$3 t verdict=""
	VAL[$name]=$value
	t=$(target "$name")
	if [ -n "$t" ]; then
		if awk -v v="$value" -v op="${t%% *}" -v l="${t#* }" 'BEGIN {
			if (v != v + 0) exit 1
			if (op == ">=") exit !(v >= l)
			if (op == "<=") exit !(v <= l)
			if (op == "<") exit !(v < l)
			exit 1 }'; then
			verdict="PASS"
		else
			verdict="MISS"
		fi
		printf 'bench: %s %s %s %s (target %s)\n' "$name" "$value" \
		    "$unit" "$verdict" "$t"
	else
		printf 'bench: %s %s %s\n' "$name" "$value" "$unit"
	fi
	FIGS+=("$name|$value|$unit|$t|$verdict")
}

# run_load CMD...: runs a bench program, taking its "bench:" lines as
# figures; its other output goes to stderr.
run_load() {
	local out rc line
	out=$("$@")
	rc=$?
	while IFS= read -r line; do
		case $line in
		"bench: "*)
			set -- ${line#bench: }
			fig "$1" "$2" "${3:-}"
			;;
		*)	[ -n "$line" ] && echo "$line" >&2 ;;
		esac
	done <<< "$out"
	return $rc
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b;
	    else print "nan" }'
}

# higher A B: the larger of two figures, either of which may be empty.
higher() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || (b != "" && b + 0 > a + 0)) a = b
		if (a != "") print a }'
}

# bound_again: the bound measured again, its figures named bound_*_after.
bound_again() {
	"$BOUND" 3 | sed 's/^bench: bound_\([^ ]*\)/bench: bound_\1_after/'
	return "${PIPESTATUS[0]}"
}

kib_to_mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'
}

rss_kib() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# minflt PID: minor page faults of a process so far.
minflt() {
	awk '{ print $10 }' "/proc/$1/stat" 2>/dev/null
}

# map_dirty_kib PID: dirty pages of the process's mapping of data.mdb.
map_dirty_kib() {
	awk '/ \/.*data\.mdb$/ { m = 1; next }
	    /^[0-9a-f]+-[0-9a-f]+ / { m = 0 }
	    m && /_Dirty:/ { d += $2 } END { print d + 0 }' "/proc/$1/smaps"
}

json_str() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

write_json() {
	local f first=1 name value unit t verdict out=$1
	{
		printf '{\n  "machine": {"cpu": %s, "cores": %s, ' \
		    "$(json_str "$CPU")" "$CORES"
		printf '"kernel": %s, "loadavg_start": %s, ' \
		    "$(json_str "$(uname -r)")" "$(json_str "$LOAD_START")"
		printf '"loadavg_end": %s},\n' \
		    "$(json_str "$(cut -d' ' -f1-3 /proc/loadavg)")"
		printf '  "date": %s,\n' "$(json_str "$(date -u +%FT%TZ)")"
		printf '  "broken": %s,\n' "$BROKEN"
		printf '  "figures": ['
		for f in "${FIGS[@]}"; do
			IFS='|' read -r name value unit t verdict <<< "$f"
			[ $first = 1 ] || printf ','
			first=0
			case $value in
			nan|-nan|inf|-inf|"") value=null ;;
			esac
			printf '\n    {"name": %s, "value": %s, "unit": %s' \
			    "$(json_str "$name")" "$value" "$(json_str "$unit")"
			if [ -n "$t" ]; then
				printf ', "target": %s, "result": %s' \
				    "$(json_str "$t")" "$(json_str "$verdict")"
			fi
			printf '}'
		done
		printf '\n  ]\n}\n'
	} > "$out"
}

# ---- a federation of two -----------------------------------------------------

federation() {
	local org port
	mkdir -p "$T/keys" "$T/log" "$T/run"
	"$CAIRN_KEYS" federation "$T/keys" >/dev/null || return 1
	for org in $SENDER $RECEIVER; do
		"$CAIRN_KEYS" generate -o "$org" "$T/keys" >/dev/null ||
			return 1
	done
	SPORT=$(free_port)
	RPORT=$(free_port)
	while [ "$RPORT" = "$SPORT" ]; do RPORT=$(free_port); done
	cat > "$T/book.ini" <<EOB
[org $SENDER]
name = Lerums kommun, elevhälsa
endpoint = tcp://127.0.0.1:$SPORT
key = keys/$SENDER.pub

[function $SENDER/skolskoterska]
guarantee_days = 3

[org $RECEIVER]
name = Alingsås primärvård, ungdomspsykiatrisk mottagning
endpoint = tcp://127.0.0.1:$RPORT
key = keys/$RECEIVER.pub

[function $RECEIVER/konsultation]
accepts = consultation-request, withdrawal
guarantee_days = 3
EOB
	"$CAIRN_KEYS" book sign -k "$T/keys/federation.secret" -s 1 \
	    -o "$T/book.cairnbook" "$T/book.ini" >/dev/null || return 1
	for org in $SENDER $RECEIVER; do
		if [ $org = $SENDER ]; then port=$SPORT; else port=$RPORT; fi
		cat > "$T/$org.conf" <<EOC
[daemon]
org = $org
listen = tcp://127.0.0.1:$port
state_dir = state/$org
socket = run/$org.sock
key = keys/$org.secret
book = book.cairnbook
federation = keys/federation.pub
# 10 s of 64 KiB messages is more than the default 1 GiB map holds at the
# receiver (nothing is purged): room for the runs, not a tuning
map_size = 8g
EOC
		# BENCH_CONF: extra [daemon] lines, for trying a setting
		if [ -n "${BENCH_CONF:-}" ]; then
			printf '%b\n' "$BENCH_CONF" >> "$T/$org.conf"
		fi
	done
}

# fresh: both daemons stopped, empty state, and the disk quiet: after a
# GiB written and deleted (the 64 KiB run) this disk stalls fdatasync for
# 40-70 ms every ~2 s for ~12 s (online discard), and the next part would
# measure that instead of the daemons (load quiet waits, 60 s at most).
fresh() {
	stop $SENDER
	stop $RECEIVER
	rm -rf "$T/state"
	mkdir -p "$T/state"
	sync
	"$LOAD" quiet -f "$T/quiet.probe" 2>&1 | sed 's/^/  /' >&2
}

# nap: sleeps 5 ms without starting a process (read times out on a pipe
# that never has data)
exec {NAPFD}<> <(:)
nap() {
	read -r -t 0.005 -u "$NAPFD" _ 2>/dev/null
	return 0
}

# said_ready LOG: true once LOG has the daemon's "ready on" line (bash
# builtins only: a grep and a sleep started every 5 ms would take CPU from
# the daemon being timed)
said_ready() {
	local line
	while IFS= read -r line; do
		case $line in *"ready on"*) return 0 ;; esac
	done < "$1"
	return 1
}

# cairnd runs with the environment its systemd unit gives it
UNIT_ENV=$(sed -n 's/^Environment=//p' "$(dirname "$0")/../../systemd/cairnd@.service")

NSTART=0
# start ORG: runs cairnd and waits (up to 30 s) until it says it is ready;
# READY_NS is how long that took.
start() {
	local org=$1 log t0 i
	NSTART=$((NSTART + 1))
	log="$T/log/$org.$NSTART.log"
	: >"$log"	# there before the first look, not when the child opens it
	t0=$EPOCHREALTIME
	env $UNIT_ENV ${START_ENV:-} "$CAIRND" -c "$T/$org.conf" >"$log" 2>&1 &
	PID[$org]=$!
	for ((i = 0; i < 6000; i++)); do
		if said_ready "$log"; then
			READY_NS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
			    'BEGIN { printf "%.0f\n", (b - a) * 1e9 }')
			return 0
		fi
		kill -0 "${PID[$org]}" 2>/dev/null || break
		nap
	done
	broke "cairnd $org did not start"
	return 1
}

stop() {
	local p=${PID[$1]:-}
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	PID[$1]=""
}

sock() {
	echo "$T/run/$1.sock"
}

# perf_start NAME: with BENCH_PERF=DIR, records both daemons' call graphs
# (perf record -g) to DIR/NAME-ORG.data while a throughput run lasts.
PERF_PIDS=""
perf_start() {
	local o
	[ -n "${BENCH_PERF:-}" ] || return 0
	mkdir -p "$BENCH_PERF"
	for o in $SENDER $RECEIVER; do
		perf record -q -g -p "${PID[$o]}" \
		    -o "$BENCH_PERF/$1-$o.data" >/dev/null 2>&1 &
		PERF_PIDS="$PERF_PIDS $!"
	done
}

perf_stop() {
	local p
	for p in $PERF_PIDS; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PERF_PIDS=""
}

# wbytes PID: bytes the process handed to write calls (wchar: LMDB's page
# writes and the log; write_bytes counts whole folios and overstates them).
wbytes() {
	awk '$1 == "wchar:" { print $2 }' "/proc/$1/io" 2>/dev/null
}

want() {
	case " $ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

# ---- the run -----------------------------------------------------------------

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
CORES=$(nproc)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for x in "$CAIRN_KEYS" "$CAIRND" "$BOUND" "$LOAD" "$BIN/bench/floor"; do
	[ -x "$x" ] || { echo "bench: $x missing (make bench builds it)" >&2;
	    exit 1; }
done
echo "machine: $CPU, $CORES cores, Linux $(uname -r), load $LOAD_START"
fig cores "$CORES" cores
federation || { broke "federation setup"; exit 1; }

if want bound; then
	echo "== bound: crypto and encoding per message, $CORES threads"
	run_load "$BOUND" 3 || broke "bound"
fi

if want others; then
	for x in "$BIN"/bench/*; do
		case ${x##*/} in bound|floor|load|*.*) continue ;; esac
		[ -x "$x" ] || continue
		echo "== ${x##*/}"
		run_load "$x" || broke "${x##*/}"
	done
fi

if want throughput; then
	for size in ${BENCH_SIZES:-1k 64k}; do
		if [ $size = 1k ]; then z=0; else z=65536; fi
		echo "== throughput $size: $THREADS client(s), window $WINDOW, ${SECONDS_RUN}s"
		fresh
		start $SENDER && start $RECEIVER || continue
		perf_start $size
		[ -n "${BENCH_HOOK:-}" ] && $BENCH_HOOK start "tp_$size" \
		    "${PID[$SENDER]}" "${PID[$RECEIVER]}"
		w0s=$(wbytes "${PID[$SENDER]}"); w0r=$(wbytes "${PID[$RECEIVER]}")
		run_load "$LOAD" throughput -s "$(sock $SENDER)" \
		    -t "$THREADS" -w "$WINDOW" -d "$SECONDS_RUN" -z $z -n $size \
		    -P "${PID[$SENDER]}" -Q "${PID[$RECEIVER]}" ||
			broke "throughput $size"
		perf_stop
		[ -n "${BENCH_HOOK:-}" ] && $BENCH_HOOK stop "tp_$size" \
		    "${PID[$SENDER]}" "${PID[$RECEIVER]}" \
		    "${VAL[tp_${size}_msgs]:-0}"
		# bytes each daemon wrote per message (load prints the CPU
		# per message of the run itself)
		n=${VAL[tp_${size}_msgs]:-0}
		if [ "$n" -gt 0 ]; then
			fig tp_${size}_written_sender $(( ($(wbytes \
			    "${PID[$SENDER]}") - w0s) / n )) bytes/msg
			fig tp_${size}_written_receiver $(( ($(wbytes \
			    "${PID[$RECEIVER]}") - w0r) / n )) bytes/msg
		fi
	done
	# The bound once more after the throughput runs: on a shared
	# machine one measurement can come out low (a neighbour took the
	# CPU), which would flatter the ratio.  The ratio is taken against
	# the higher of the two.
	if want bound; then
		echo "== bound again, after the throughput runs"
		run_load bound_again || broke "bound (after)"
	fi
	for size in ${BENCH_SIZES:-1k 64k}; do
		b=$(higher "${VAL[bound_$size]:-}" \
		    "${VAL[bound_${size}_after]:-}")
		if [ -n "${VAL[tp_$size]:-}" ] && [ -n "$b" ]; then
			fig tp_${size}_ratio \
			    "$(ratio "${VAL[tp_$size]}" "$b")" of-bound
		fi
	done
fi

if want latency; then
	echo "== latency floor: ${BENCH_LAT_RATE:-1000} msg/s for" \
	    "${SECONDS_RUN}s through two LMDB commits in series"
	fresh
	run_load "$BIN/bench/floor" -D "$T/floor" -R ${BENCH_LAT_RATE:-1000} \
	    -d "$SECONDS_RUN" || broke "floor"
	rm -rf "$T/floor"
	# and again with the crypto's CPU time of each message, as the
	# bound measured it, spent beside the commits (a busy core slows
	# this VM's disk)
	if [ -z "${VAL[bound_1k_seal_sign]:-}" ]; then
		echo "== bound, for the floor's CPU per message"
		run_load "$BOUND" 1 || broke "bound"
	fi
	if [ -n "${VAL[bound_1k_seal_sign]:-}" ] &&
	    [ -n "${VAL[bound_1k_receive]:-}" ]; then
		echo "== latency floor with the crypto's CPU time"
		fresh
		c="${VAL[bound_1k_seal_sign]},${VAL[bound_1k_receive]}"
		c="$c,${VAL[bound_receipt1_sign]:-0}"
		c="$c,${VAL[bound_receipt1_verify]:-0}"
		run_load "$BIN/bench/floor" -D "$T/floor" \
		    -R ${BENCH_LAT_RATE:-1000} -d "$SECONDS_RUN" -c "$c" ||
			broke "floor (cpu)"
		rm -rf "$T/floor"
	fi
	echo "== latency: ${BENCH_LAT_RATE:-1000} msg/s for ${SECONDS_RUN}s"
	fresh
	# the receiver says when each message was durably in its inbox, and
	# both when the pass that stored it began and when its commit did
	rm -f "$T/$SENDER.trace" "$T/$RECEIVER.trace"
	if START_ENV="CAIRND_TRACE=$T/$SENDER.trace" start $SENDER &&
	    START_ENV="CAIRND_TRACE=$T/$RECEIVER.trace" start $RECEIVER; then
		run_load "$LOAD" latency -s "$(sock $SENDER)" \
		    -r "$(sock $RECEIVER)" -D "$T/$RECEIVER.trace" \
		    -S "$T/$SENDER.trace" \
		    -R ${BENCH_LAT_RATE:-1000} -d "$SECONDS_RUN" ${BENCH_LAT_ARGS:-} ||
			broke "latency"
	fi
fi

if want big; then
	echo "== big: one 30 MiB message"
	fresh
	if start $SENDER && start $RECEIVER; then
		run_load "$LOAD" big -s "$(sock $SENDER)" \
		    -r "$(sock $RECEIVER)" -z $((30 * 1024 * 1024)) \
		    -P "${PID[$SENDER]}" -Q "${PID[$RECEIVER]}" ||
			broke "big"
	fi
fi

if want memory; then
	echo "== memory: idle, backlog of $BACKLOG to a stopped receiver"
	fresh
	if start $SENDER && start $RECEIVER; then
		sleep 1
		s=$(rss_kib "${PID[$SENDER]}" VmRSS)
		r=$(rss_kib "${PID[$RECEIVER]}" VmRSS)
		fig idle_rss_sender "$(kib_to_mib "$s")" MiB
		fig idle_rss_receiver "$(kib_to_mib "$r")" MiB
		[ "$r" -gt "$s" ] && s=$r
		fig idle_rss "$(kib_to_mib "$s")" MiB
		p=${PID[$SENDER]}
		fig idle_rss_anon "$(kib_to_mib "$(rss_kib "$p" RssAnon)")" MiB
		fig idle_rss_file "$(kib_to_mib "$(rss_kib "$p" RssFile)")" MiB
		stop $RECEIVER
		f0=$(minflt "$p")
		run_load "$LOAD" backlog -s "$(sock $SENDER)" -n "$BACKLOG" \
		    -d "$BACKLOG_SECONDS" -t "$THREADS" -w "$WINDOW" \
		    -o "$T/backlog.ids" ||
			broke "backlog"
		sleep 1
		fig backlog_rss "$(kib_to_mib "$(rss_kib "$p" VmRSS)")" MiB
		# private memory, and pages of data.mdb mapped (page cache)
		fig backlog_rss_anon \
		    "$(kib_to_mib "$(rss_kib "$p" RssAnon)")" MiB
		fig backlog_rss_file \
		    "$(kib_to_mib "$(rss_kib "$p" RssFile)")" MiB
		# page faults while queueing: what the daemon really touched
		# (each read fault on the map maps up to 16 cached pages)
		fig backlog_faults "$(( $(minflt "$p") - f0 ))" faults
		# LMDB maps data.mdb read-only: clean pages the kernel can drop
		fig backlog_map_dirty "$(map_dirty_kib "$p")" KiB
		fig backlog_store "$(du -sm "$T/state/$SENDER" | cut -f1)" MiB
		stop $SENDER
		if start $SENDER; then
			fig backlog_ready "$(awk -v n="$READY_NS" \
			    'BEGIN { printf "%.3f\n", n / 1e9 }')" s
			sleep 0.5
			fig backlog_rss_restarted "$(kib_to_mib \
			    "$(rss_kib "${PID[$SENDER]}" VmRSS)")" MiB
			t0=$(date +%s%N)
			if start $RECEIVER; then
				run_load "$LOAD" drain -s "$(sock $SENDER)" \
				    -i "$T/backlog.ids" -T "$t0" ||
					broke "drain"
				fig drain_rss_sender "$(kib_to_mib \
				    "$(rss_kib "${PID[$SENDER]}" VmRSS)")" MiB
			fi
		fi
	fi
fi
fresh

echo "machine: load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
write_json build/bench.json
[ "$(cd "$B" && pwd)" != "$(cd build && pwd)" ] &&
	cp build/bench.json "$B/bench.json"
if [ "$BROKEN" = 1 ]; then
	echo "bench: written build/bench.json (some parts broke, see above)"
else
	echo "bench: written build/bench.json"
fi
exit $BROKEN
