# A client with thousands of pipelined submits in flight gets an answer
# to every one: the daemon's answers to one client are not dropped when
# more of them wait than ZeroMQ's default queue of 1,000 (they were: the
# client's submit_recv then timed out on a message that had been
# accepted).  All of them are delivered.
. "$(dirname "$0")/lib.sh"
federation
start lerum.elevhalsa
start alingsas.uph
out=$("$BIN/bench/load" throughput -s "$T/run/lerum.elevhalsa.sock" \
    -w 5000 -m 6000 -d 60 -n pipe 2>&1) || die "load: $out"
echo "$out" | grep -q '^bench: tp_pipe_msgs 6000 msgs$' || die "load: $out"
echo "$out" | grep -q '^bench: tp_pipe_not_delivered 0 msgs$' ||
	die "load: $out"
st=$(c lerum.elevhalsa stats --json) || die "stats"
[ "$(json_field "$st" out_delivered)" -eq 6000 ] || die "stats: $st"
stop lerum.elevhalsa
stop alingsas.uph
