#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
check.py: sorts every message of a fault scenario into delivered-once,
lost, duplicated or unexpected, prints the counts, and exits 1 on anything
but a clean result.

Inputs (all files):
  --results F   one line per submit, written by the stream driver (lib.sh):
                  SEQ ok ID        the client was told "accepted", with ID
                  SEQ full -       refused: "store is full" (never stored)
                  SEQ notstored -  refused: "could not store this durably"
                  SEQ noanswer -   no answer (timeout, daemon gone, ...)
                  SEQ error -      another error from the daemon
                A simple list of accepted ids (one per line, no SEQ) is
                accepted too.
  --unanswered F  optional extra list of SEQs that got no answer.
  --inbox F     the receiver's `cairn inbox --json`.
  --outbox F    optional: the sender's `cairn outbox --json`; every
                accepted id must be DELIVERED there (a receipt came back).
  --show CMD    optional: a command that prints `cairn show --json` of an
                id given as its last argument, run on the receiver.  Each
                inbox message is then decrypted and its question read:
                "fault-seq=N" ties it to submit N, so that a message stored
                twice under two ids is a duplicate, a message whose
                content does not match its id is corrupt, and an unknown id
                is matched to a submit that got no answer.
  --sample N    with --show: decrypt every id that is not an accepted one,
                but only N accepted ones picked at random (0: all).
  --label S     printed in front of the counts.

Rules:
  accepted (ok)           exactly once                  else lost/duplicated
  refused (full, notstored)  never                      else unexpected
  noanswer, error         at most once                  else duplicated
  anything else in the inbox                            unexpected

Prints one line of counts and, with $FAULT_STATS set, appends them there
as "key value" lines for run.sh's closing report.
"""
import argparse
import collections
import json
import os
import random
import re
import shlex
import subprocess
import sys

SEQ_RE = re.compile(r"fault-seq=(\d+)")
ID_RE = re.compile(r"^[0-9a-f]{32}$")


def load_results(path):
    """Returns {seq: (status, id)} and a list of bare ids."""
    res = {}
    bare = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            w = line.split()
            if not w:
                continue
            if len(w) == 1 and ID_RE.match(w[0]):
                bare.append(w[0])
                continue
            if len(w) < 2 or not w[0].isdigit():
                sys.exit("check: %s:%d: bad line %r" % (path, n, line))
            seq = int(w[0])
            status = w[1]
            mid = w[2] if len(w) > 2 and w[2] != "-" else None
            if status == "ok" and (mid is None or not ID_RE.match(mid)):
                sys.exit("check: %s:%d: ok without an id" % (path, n))
            if seq in res:
                sys.exit("check: %s:%d: seq %d twice" % (path, n, seq))
            res[seq] = (status, mid)
    return res, bare


def load_json_list(path, what):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("check: %s %s: %s" % (what, path, e))
    if not isinstance(data, list):
        sys.exit("check: %s %s: not a JSON list" % (what, path))
    return data


def show_seq(cmd, mid):
    """The fault-seq of the message's content, or an error string."""
    try:
        p = subprocess.run(cmd + [mid], capture_output=True, text=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return None, "show timed out"
    if p.returncode != 0:
        return None, "show failed: " + p.stderr.strip()
    try:
        o = json.loads(p.stdout)
    except ValueError:
        return None, "show printed no JSON"
    if o.get("id") != mid:
        return None, "show returned id %s" % o.get("id")
    q = (o.get("content") or {}).get("question") or ""
    m = SEQ_RE.search(q)
    if not m:
        return None, "no fault-seq in the content"
    return int(m.group(1)), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--results", required=True)
    ap.add_argument("--unanswered")
    ap.add_argument("--inbox", required=True)
    ap.add_argument("--outbox")
    ap.add_argument("--show")
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--label", default="check")
    a = ap.parse_args()

    res, bare = load_results(a.results)
    if a.unanswered:
        with open(a.unanswered) as f:
            for line in f:
                if line.strip():
                    res.setdefault(int(line.split()[0]), ("noanswer", None))
    inbox = load_json_list(a.inbox, "inbox")

    accepted = {}                       # id -> seq (None for bare ids)
    for seq, (status, mid) in res.items():
        if status == "ok":
            if mid in accepted:
                sys.exit("check: id %s accepted twice" % mid)
            accepted[mid] = seq
    for mid in bare:
        accepted[mid] = None
    refused = {s for s, (st, _) in res.items() if st in ("full", "notstored")}
    ambiguous = {s for s, (st, _) in res.items()
                 if st not in ("ok", "full", "notstored")}

    ids = collections.Counter()
    for e in inbox:
        mid = e.get("id") if isinstance(e, dict) else None
        if not isinstance(mid, str) or not ID_RE.match(mid):
            print("%s: inbox entry without a valid id: %r" % (a.label, e))
            ids["<bad>"] += 1
            continue
        ids[mid] += 1

    problems = []
    lost = dup = unexpected = corrupt = 0
    once = 0
    amb_delivered = 0
    seq_count = collections.Counter()   # by content, with --show
    if ids.get("<bad>"):
        unexpected += ids.pop("<bad>")
        problems.append("inbox entries without a valid id")

    show = shlex.split(a.show) if a.show else None
    seq_of = {}
    if show:
        todo = list(ids)
        if a.sample > 0:
            known = [m for m in todo if m in accepted]
            unknown = [m for m in todo if m not in accepted]
            random.shuffle(known)
            todo = unknown + known[:a.sample]
        for mid in todo:
            seq, err = show_seq(show, mid)
            if err:
                corrupt += 1
                problems.append("%s: %s" % (mid, err))
                continue
            seq_of[mid] = seq
            exp = accepted.get(mid)
            if mid in accepted and exp is not None and exp != seq:
                corrupt += 1
                problems.append("%s: content says seq %d, the client was "
                                "told it is seq %d" % (mid, seq, exp))
            seq_count[seq] += 1
        for mid in ids:
            if mid not in seq_of and mid in accepted and \
                    accepted[mid] is not None:
                seq_count[accepted[mid]] += 1

    for mid, seq in accepted.items():
        n = ids.get(mid, 0)
        if n == 0:
            lost += 1
            problems.append("lost: seq %s id %s" % (seq, mid))
        elif n > 1:
            dup += 1
            problems.append("duplicated: seq %s id %s listed %d times"
                            % (seq, mid, n))
        elif seq is not None and seq_count.get(seq, 1) > 1:
            dup += 1
            problems.append("duplicated: seq %s stored %d times under "
                            "different ids" % (seq, seq_count[seq]))
        else:
            once += 1
    amb_seen = collections.Counter()
    for mid, n in ids.items():
        if mid in accepted:
            continue
        seq = seq_of.get(mid)
        if seq is not None and seq in ambiguous:
            amb_seen[seq] += n
            continue
        if show and mid not in seq_of:
            continue            # already counted as corrupt
        if seq is not None and seq in refused:
            unexpected += 1
            problems.append("unexpected: seq %d was refused (%s) but was "
                            "delivered as %s" % (seq, res[seq][0], mid))
        elif seq is not None and res.get(seq, ("",))[0] == "ok":
            pass                # counted as duplicated above
        else:
            unexpected += 1
            problems.append("unexpected: %s (seq %s) in the inbox" %
                            (mid, seq))
    if not show:
        # without content, unknown ids can only be counted against the
        # submits that got no answer
        unknown = [m for m in ids if m not in accepted]
        if len(unknown) > len(ambiguous):
            unexpected += len(unknown) - len(ambiguous)
            problems.append("%d unknown ids in the inbox, only %d submits "
                            "without an answer" %
                            (len(unknown), len(ambiguous)))
        amb_delivered = min(len(unknown), len(ambiguous))
    else:
        for seq, n in amb_seen.items():
            if n > 1:
                dup += 1
                problems.append("duplicated: unanswered seq %d delivered "
                                "%d times" % (seq, n))
        amb_delivered = len(amb_seen)

    not_receipted = 0
    if a.outbox:
        outbox = load_json_list(a.outbox, "outbox")
        state = {e.get("id"): e.get("state") for e in outbox
                 if isinstance(e, dict)}
        for mid in accepted:
            st = state.get(mid)
            if st != "DELIVERED":
                not_receipted += 1
                problems.append("sender: %s is %s, not DELIVERED" %
                                (mid, st or "missing from the outbox"))
        extra = [m for m in state if m not in accepted]
        if len(extra) > len(ambiguous):
            problems.append("sender: %d unknown ids in the outbox, only %d "
                            "submits without an answer" %
                            (len(extra), len(ambiguous)))
            unexpected += len(extra) - len(ambiguous)

    print("%s: accepted=%d refused=%d unanswered=%d inbox=%d | "
          "delivered-once=%d lost=%d duplicated=%d unexpected=%d "
          "corrupt=%d unanswered-delivered=%d not-receipted=%d"
          % (a.label, len(accepted), len(refused), len(ambiguous),
             sum(ids.values()), once, lost, dup, unexpected, corrupt,
             amb_delivered, not_receipted))
    for p in problems[:50]:
        print("  " + p)
    if len(problems) > 50:
        print("  ... and %d more" % (len(problems) - 50))
    stats = os.environ.get("FAULT_STATS")
    if stats:
        with open(stats, "a") as f:
            for k, v in (("messages", len(accepted)),
                         ("delivered_once", once), ("lost", lost),
                         ("duplicated", dup), ("unexpected", unexpected),
                         ("corrupt_served", corrupt),
                         ("refused_submits", len(refused)),
                         ("unanswered_submits", len(ambiguous)),
                         ("unanswered_delivered", amb_delivered)):
                f.write("%s %d\n" % (k, v))
    bad = lost or dup or unexpected or corrupt or not_receipted
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
