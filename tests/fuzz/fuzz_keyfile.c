/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes key file text: the same bytes go to cairn_keyfile_public_parse
 * and cairn_keyfile_secret_parse.  A secret file that parses is used as
 * cairnd would use it (signer, unsealer, CURVE key), and what it signs
 * must verify under the public half it reports.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyfile.h"
#include "tests/fuzz/fuzz.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fx_init() != 0)
		abort();
	return 0;
}

static void
use_secret(const struct cairn_secret *sec)
{
	struct cairn_pubfile	pub;
	struct cairn_signer	signer;
	struct cairn_unsealer	unsealer;
	struct cairn_pubkey	box;
	uint8_t			digest[CAIRN_DIGEST_BYTES] = { 1 };
	uint8_t			sig[CAIRN_SIG_BYTES], shared[32], rpk[32];
	uint8_t			curve_pk[32], curve_sk[32];
	size_t			i;

	(void)cairn_keyfile_secret_org(sec);
	cairn_keyfile_secret_public(sec, &pub);
	if (cairn_keyfile_signer(sec, FX_NOW, &signer) == 0) {
		if (signer.sign(signer.arg, sig, digest) != 0)
			abort();
		for (i = 0; i < pub.nsign_keys; i++)
			if (memcmp(pub.sign_keys[i].key_id, signer.key_id,
			    CAIRN_KEY_ID_BYTES) == 0)
				break;
		if (i == pub.nsign_keys ||
		    cairn_sig_verify(sig, digest, pub.sign_keys[i].pk) != 0)
			abort();	/* signs with a key it does not show */
	}
	if (cairn_keyfile_box_current(sec, FX_NOW, &box) == 0) {
		cairn_keyfile_unsealer(sec, &unsealer);
		if (unsealer.shared(unsealer.arg, shared, rpk, box.key_id,
		    fx.rcpt_box.pk) == 0 && memcmp(rpk, box.pk, 32) != 0)
			abort();
		sodium_memzero(shared, sizeof(shared));
	}
	if (cairn_keyfile_curve_secret(sec, curve_pk, curve_sk) == 0)
		sodium_memzero(curve_sk, sizeof(curve_sk));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_pubfile	 pub;
	struct cairn_secret	*sec;

	(void)cairn_keyfile_public_parse(&pub, (const char *)data, size);
	if (cairn_keyfile_secret_parse(&sec, (const char *)data, size) == 0) {
		use_secret(sec);
		cairn_keyfile_secret_free(sec);
	}
	return 0;
}
