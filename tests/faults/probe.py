#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
probe.py: reads a daemon's messages through the real CLI and compares
them with a reference taken before its store was damaged.

  probe.py ref CAIRN SOCK OUT.json      take the reference: outbox, inbox,
                                        and the content of every inbox
                                        message (cairn show --json)
  probe.py check CAIRN SOCK REF.json    read everything again and compare

check prints one line "verdict: detail" and exits 0; verdict is
  equal     everything served is what was stored
  error     a read was refused (the damage was noticed), with its text
  differs   something served differs from the reference, or is missing,
            with no error: corrupt data served silently
  gone      the daemon stopped answering (crashed or exited)
Only fields that do not change by themselves are compared (attempts and
next attempt times of QUEUED messages do).
"""
import json
import random
import subprocess
import sys

STATUS_SAMPLE = 10      # messages read one by one with `status` per box

STABLE = ("id", "kind", "from", "to", "created_ms", "expires_ms",
          "envelope_hash", "conversation_id", "in_reply_to", "outgoing")


def run(cairn, sock, *args):
    try:
        p = subprocess.run([cairn, "-s", sock, "-t", "5"] + list(args),
                           capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    if p.returncode != 0:
        return None, p.stderr.strip() or "exit %d" % p.returncode
    try:
        return json.loads(p.stdout), None
    except ValueError:
        return None, "not JSON: %r" % p.stdout[:80]


def take(cairn, sock):
    ref = {}
    for box in ("outbox", "inbox"):
        v, err = run(cairn, sock, box, "--json")
        if err:
            sys.exit("probe.py: %s: %s" % (box, err))
        ref[box] = v
    ref["content"] = {}
    for e in ref["inbox"]:
        v, err = run(cairn, sock, "show", e["id"], "--json")
        if err:
            sys.exit("probe.py: show %s: %s" % (e["id"], err))
        ref["content"][e["id"]] = v.get("content")
    return ref


def same(a, b, queued_ok):
    for k in STABLE:
        if a.get(k) != b.get(k):
            return "field %s: %r, was %r" % (k, a.get(k), b.get(k))
    if a.get("state") != b.get("state") and not (
            queued_ok and b.get("state") == "QUEUED" and
            a.get("state") in ("QUEUED", "FAILED")):
        return "state %s, was %s" % (a.get("state"), b.get("state"))
    return None


def check(cairn, sock, ref):
    errors = []
    diffs = []
    for box in ("outbox", "inbox"):
        v, err = run(cairn, sock, box, "--json")
        if err:
            if "no answer" in err or "is cairnd running" in err:
                return "gone", "%s: %s" % (box, err)
            errors.append("%s: %s" % (box, err))
            continue
        have = {e.get("id"): e for e in v}
        want = {e["id"]: e for e in ref[box]}
        for i, w in want.items():
            if i not in have:
                diffs.append("%s: %s missing" % (box, i))
            else:
                d = same(have[i], w, box == "outbox")
                if d:
                    diffs.append("%s: %s: %s" % (box, i, d))
        for i in have:
            if i not in want:
                diffs.append("%s: unknown id %s listed" % (box, i))
    # every message one by one: status, and the content of received ones
    for box in ("outbox", "inbox"):
        sample = set(random.sample([w["id"] for w in ref[box]],
                                   min(STATUS_SAMPLE, len(ref[box]))))
        for w in ref[box]:
            i = w["id"]
            if i not in sample and box != "inbox":
                continue
            v, err = run(cairn, sock, "status", i, "--json") \
                if i in sample else (w, None)
            if err:
                if "no answer" in err:
                    return "gone", "status %s: %s" % (i, err)
                errors.append("status %s: %s" % (i, err))
            else:
                d = same(v, w, box == "outbox")
                if d:
                    diffs.append("status %s: %s" % (i, d))
            if box != "inbox":
                continue
            v, err = run(cairn, sock, "show", i, "--json")
            if err:
                if "no answer" in err:
                    return "gone", "show %s: %s" % (i, err)
                errors.append("show %s: %s" % (i, err))
            elif v.get("content") != ref["content"].get(i):
                diffs.append("show %s: content differs" % i)
    if diffs:
        return "differs", "; ".join(diffs[:5]) + (
            errors and " (errors too: %s)" % "; ".join(errors[:2]) or "")
    if errors:
        return "error", "; ".join(sorted(set(errors))[:3])
    return "equal", "%d outbox, %d inbox messages as stored" % (
        len(ref["outbox"]), len(ref["inbox"]))


def main():
    a = sys.argv[1:]
    if len(a) != 4 or a[0] not in ("ref", "check"):
        sys.exit(__doc__)
    if a[0] == "ref":
        with open(a[3], "w") as f:
            json.dump(take(a[1], a[2]), f)
        return 0
    with open(a[3]) as f:
        ref = json.load(f)
    verdict, detail = check(a[1], a[2], ref)
    print("%s: %s" % (verdict, detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
