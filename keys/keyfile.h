/* SPDX-License-Identifier: MIT */
/*
 * Key files: an organisation's secret file and public file, and the
 * federation's key pair.
 *
 * An organisation holds Ed25519 signing keys and X25519 encryption keys,
 * each with a key id and a validity window (several of each while keys are
 * rotated with overlap), and one CURVE transport key pair.  The federation
 * holds one Ed25519 key that signs the address book.
 *
 * Secret material is kept in sodium_malloc'ed memory, wiped on free, and
 * never handed out: callers get operations (struct cairn_signer, struct
 * cairn_unsealer).  The one exception is the CURVE secret key, which
 * libzmq needs as bytes (cairn_keyfile_curve_secret).
 *
 * Files are text, one item per line, '#' starts a comment line:
 *
 *   cairn-secret-key v1          cairn-public-key v1
 *   org lerum.elevhalsa          org lerum.elevhalsa
 *   sign <b64 seed> FROM UNTIL   sign <b64 pk> FROM UNTIL
 *   box <b64 sk> FROM UNTIL      box <b64 pk> FROM UNTIL
 *   curve <b64 sk>               curve <b64 pk>
 *
 * (the federation's files say "org federation" and hold one sign line
 * and nothing else).  FROM and UNTIL are UTC times YYYY-MM-DDTHH:MM:SSZ.
 * Secret files are created 0600 with O_EXCL|O_NOFOLLOW and refused on
 * load when group or others may read them.
 */
#ifndef CAIRN_KEYS_KEYFILE_H
#define CAIRN_KEYS_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/bookwire.h"
#include "proto/error.h"
#include "proto/sig.h"

#define CAIRN_KEYFILE_MAX_BYTES	16384
#define CAIRN_FEDERATION_ORG	"federation"

struct cairn_secret;

/* Public half of a key file: what goes into the address book. */
struct cairn_pubfile {
	char		org[CAIRN_ORG_ID_MAX + 1];
	int		is_federation;
	struct cairn_pubkey sign_keys[CAIRN_BOOK_MAX_KEYS];
	size_t		nsign_keys;
	struct cairn_pubkey box_keys[CAIRN_BOOK_MAX_KEYS];
	size_t		nbox_keys;
	uint8_t		curve_pk[CAIRN_CURVE_KEY_BYTES];
};

/*
 * Generates a new organisation: DIR/ORG.secret (0600) and DIR/ORG.pub, one
 * signing and one encryption key valid from now_ms for valid_ms, and a
 * CURVE pair.  Refuses to overwrite either file.  Times are stored in
 * whole seconds (rounded down).
 * Returns 0, CAIRN_EORGID (also for the reserved id "federation"),
 * CAIRN_EEXIST, CAIRN_EINVAL (valid_ms under a second, or times outside
 * 1970..9999) or -errno.
 */
int	cairn_keyfile_generate(const char *dir, const char *org,
	    int64_t now_ms, int64_t valid_ms) CAIRN_MUSTCHECK;

/*
 * Generates DIR/federation.secret (0600) and DIR/federation.pub.
 * Returns 0, CAIRN_EEXIST, CAIRN_EINVAL (as above) or -errno.
 */
int	cairn_keyfile_generate_federation(const char *dir, int64_t now_ms,
	    int64_t valid_ms) CAIRN_MUSTCHECK;

/*
 * Rotation: adds a new signing and encryption key, valid from from_ms for
 * valid_ms, to an organisation's secret file and public file (rewritten
 * atomically, secret stays 0600).  Old keys stay until they expire; keys
 * whose window ended before now_ms are dropped.  Both files are written
 * to temporary files in their directories first, then renamed (secret
 * file first).  A public file that exists must be one of the same
 * organisation.
 * Returns 0, CAIRN_EKEYFILE (malformed, or pub_path belongs to another
 * organisation), CAIRN_EKEYPERM, CAIRN_EKEYTYPE (a public or a federation
 * file as secret_path), CAIRN_ETOOBIG (too many keys), CAIRN_EINVAL (bad
 * window) or -errno.
 */
int	cairn_keyfile_rotate(const char *secret_path, const char *pub_path,
	    int64_t now_ms, int64_t from_ms, int64_t valid_ms) CAIRN_MUSTCHECK;

/*
 * Loads a secret key file.  Refuses a file that group or others can read,
 * a symlink (-ELOOP), a file over CAIRN_KEYFILE_MAX_BYTES, and any
 * malformed line.  A public file is reported as CAIRN_EKEYTYPE whatever
 * its mode.  *out is freed with cairn_keyfile_secret_free().
 * Returns 0, CAIRN_EKEYPERM, CAIRN_EKEYFILE (also: not a regular file),
 * CAIRN_EKEYTYPE (a public file), CAIRN_ETOOBIG, -ENOMEM or -errno.
 */
int	cairn_keyfile_secret_load(struct cairn_secret **out, const char *path)
	    CAIRN_MUSTCHECK;

/* Wipes and frees; NULL is allowed. */
void	cairn_keyfile_secret_free(struct cairn_secret *sec);

/* The organisation id in a secret file ("federation" for the federation). */
const char *cairn_keyfile_secret_org(const struct cairn_secret *sec);

/*
 * Fills pub with the public halves of sec (as the .pub file would hold).
 */
void	cairn_keyfile_secret_public(const struct cairn_secret *sec,
	    struct cairn_pubfile *pub);

/*
 * A signer using the newest signing key valid at now_ms.  The signer
 * borrows sec: it must not outlive it.
 * Returns 0 or CAIRN_ENOKEY.
 */
int	cairn_keyfile_signer(const struct cairn_secret *sec, int64_t now_ms,
	    struct cairn_signer *out) CAIRN_MUSTCHECK;

/*
 * The newest encryption key valid at now_ms: its public key and key id
 * (what a sender would choose; used by tests and self-checks).
 * Returns 0 or CAIRN_ENOKEY.
 */
int	cairn_keyfile_box_current(const struct cairn_secret *sec,
	    int64_t now_ms, struct cairn_pubkey *out) CAIRN_MUSTCHECK;

/*
 * An unsealer over all encryption keys in sec, found by key id (expired
 * keys still open old mail).  Borrows sec.
 */
void	cairn_keyfile_unsealer(const struct cairn_secret *sec,
	    struct cairn_unsealer *out);

/*
 * Copies the CURVE key pair for libzmq.  The caller keeps sk in
 * sodium_malloc'ed memory and wipes it.  Returns 0 or CAIRN_ENOKEY.
 */
int	cairn_keyfile_curve_secret(const struct cairn_secret *sec,
	    uint8_t pk[static 32], uint8_t sk[static 32]) CAIRN_MUSTCHECK;

/*
 * Loads a public key file (not through a symlink: -ELOOP).  *out is
 * malloc'ed, free with free().
 * Returns 0, CAIRN_EKEYFILE, CAIRN_EKEYTYPE (a secret file), CAIRN_ETOOBIG,
 * -ENOMEM or -errno.
 */
int	cairn_keyfile_public_load(struct cairn_pubfile **out, const char *path)
	    CAIRN_MUSTCHECK;

/*
 * Parses the text of a public key file (for fuzzing and tests).
 * Same returns as cairn_keyfile_public_load().
 */
int	cairn_keyfile_public_parse(struct cairn_pubfile *out, const char *buf,
	    size_t len) CAIRN_MUSTCHECK;

/*
 * Parses the text of a secret key file without the permission check.
 * Same returns as cairn_keyfile_secret_load() except CAIRN_EKEYPERM.
 */
int	cairn_keyfile_secret_parse(struct cairn_secret **out, const char *buf,
	    size_t len) CAIRN_MUSTCHECK;

#endif
