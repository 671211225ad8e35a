#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
storelist.py STATE_DIR inbox|outbox: the message ids of a daemon's store,
read straight from LMDB (read-only; the daemon may be running), printed as
a JSON list shaped like `cairn inbox|outbox --json` ("id", "state").

A fallback for when the control protocol cannot list a large box.  Only
the key sets of the databases store.h documents are used, not the record
encoding: an outbox message is QUEUED while it has a schedule entry,
DELIVERED when it has a stored reply and none (a nack, REJECTED, would
look the same: the receiver's inbox tells them apart), else SETTLED.
"""
import json
import sys

import lmdb


def keys(env, name):
    db = env.open_db(name.encode(), create=False)
    with env.begin(db=db) as t:
        return [bytes(k) for k in t.cursor().iternext(keys=True,
                                                       values=False)]


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("inbox", "outbox"):
        sys.exit("usage: storelist.py STATE_DIR inbox|outbox")
    env = lmdb.open(sys.argv[1], readonly=True, create=False, max_dbs=32,
                    map_size=1 << 40)
    out = []
    if sys.argv[2] == "inbox":
        for k in keys(env, "inbox"):
            out.append({"id": k.hex(), "state": "DELIVERED"})
    else:
        queued = {k[8:] for k in keys(env, "sched")}
        replied = set(keys(env, "receipts"))
        for k in keys(env, "outbox"):
            st = "QUEUED" if k in queued else \
                "DELIVERED" if k in replied else "SETTLED"
            out.append({"id": k.hex(), "state": st})
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
