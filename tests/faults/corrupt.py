#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
corrupt.py: damages a stopped daemon's store (a copy of it) the way bit
rot, a bad disk or a hand with an editor would, and says what it did.

  corrupt.py record DIR DB SEED [KEY]
                                    flip one random bit in the value of one
                                    random record (or the one of KEY, hex)
                                    of the named database (LMDB itself
                                    stays consistent)
  corrupt.py key DIR DB SEED        flip one random bit in one record's key
  corrupt.py raw DIR N SEED         flip N random bytes anywhere in
                                    DIR/data.mdb (pages, meta pages, free
                                    space: LMDB 0.9 checks nothing)
  corrupt.py audit-edit DIR SEED    flip a bit in a random audit record that
                                    is not the last one
  corrupt.py audit-delete DIR SEED  delete a random audit record that is
                                    not the last one
  corrupt.py audit-last DIR         delete the last audit record
  corrupt.py audit-head DIR SEED    flip a bit in meta "audit.head"

Prints one line: what was changed, for the test log.  Database names are
the ones store.h documents.
"""
import os
import random
import sys

import lmdb


def env_open(d):
    return lmdb.open(d, max_dbs=32, map_size=1 << 32, create=False)


def flip(b, rnd):
    b = bytearray(b)
    i = rnd.randrange(len(b))
    bit = rnd.randrange(8)
    b[i] ^= 1 << bit
    return bytes(b), i, bit


def pick(t, db, rnd, but_last=False):
    ks = [bytes(k) for k in t.cursor(db=db).iternext(keys=True,
                                                      values=False)]
    if but_last:
        ks = ks[:-1]
    if not ks:
        sys.exit("corrupt.py: no records to damage")
    return rnd.choice(ks)


def record(d, name, seed, what="value", but_last=False, key=None):
    rnd = random.Random(seed)
    env = env_open(d)
    db = env.open_db(name.encode(), create=False)
    with env.begin(write=True, db=db) as t:
        k = bytes.fromhex(key) if key else pick(t, db, rnd, but_last)
        if t.get(k) is None:
            sys.exit("corrupt.py: no record %s in %s" % (key, name))
        v = bytes(t.get(k))
        if what == "value":
            nv, i, bit = flip(v, rnd)
            t.put(k, nv)
            seq = " (seq %d)" % int.from_bytes(k, "big") \
                if name == "audit" else ""
            print("%s: record %s%s, value byte %d of %d, bit %d flipped"
                  % (name, k.hex(), seq, i, len(v), bit))
        else:
            nk, i, bit = flip(k, rnd)
            t.delete(k)
            t.put(nk, v)
            print("%s: key %s became %s" % (name, k.hex(), nk.hex()))
    env.close()


def audit_delete(d, seed=None, last=False):
    env = env_open(d)
    db = env.open_db(b"audit", create=False)
    with env.begin(write=True, db=db) as t:
        if last:
            c = t.cursor()
            if not c.last():
                sys.exit("corrupt.py: no audit records")
            k = bytes(c.key())
        else:
            k = pick(t, db, random.Random(seed), but_last=True)
        t.delete(k)
        print("audit: record seq %d deleted" % int.from_bytes(k, "big"))
    env.close()


def meta_flip(d, key, seed):
    rnd = random.Random(seed)
    env = env_open(d)
    db = env.open_db(b"meta", create=False)
    with env.begin(write=True, db=db) as t:
        v = t.get(key.encode())
        if v is None:
            sys.exit("corrupt.py: no meta %s" % key)
        nv, i, bit = flip(bytes(v), rnd)
        t.put(key.encode(), nv)
        print("meta %s: byte %d, bit %d flipped" % (key, i, bit))
    env.close()


def raw(d, n, seed):
    rnd = random.Random(seed)
    p = os.path.join(d, "data.mdb")
    size = os.path.getsize(p)
    offs = []
    with open(p, "r+b") as f:
        for _ in range(n):
            off = rnd.randrange(size)
            f.seek(off)
            b = f.read(1)
            f.seek(off)
            f.write(bytes([b[0] ^ (1 + rnd.randrange(255))]))
            offs.append(off)
        f.flush()
        os.fsync(f.fileno())
    print("data.mdb (%d bytes, %d pages): bytes flipped at %s" %
          (size, size // 4096,
           ", ".join("%d (page %d)" % (o, o // 4096) for o in offs)))


def main():
    a = sys.argv[1:]
    if len(a) < 2:
        sys.exit(__doc__)
    mode, d = a[0], a[1]
    if mode in ("record", "key") and len(a) in (4, 5):
        record(d, a[2], int(a[3]), "value" if mode == "record" else "key",
               key=a[4] if len(a) == 5 else None)
    elif mode == "raw" and len(a) == 4:
        raw(d, int(a[2]), int(a[3]))
    elif mode == "audit-edit" and len(a) == 3:
        record(d, "audit", int(a[2]), "value", but_last=True)
    elif mode == "audit-delete" and len(a) == 3:
        audit_delete(d, int(a[2]))
    elif mode == "audit-last" and len(a) == 2:
        audit_delete(d, last=True)
    elif mode == "audit-head" and len(a) == 3:
        meta_flip(d, "audit.head", int(a[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
