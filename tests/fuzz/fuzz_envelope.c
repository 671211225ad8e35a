/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes envelope opening: cairn_envelope_parse, _verify, _check_time and
 * _decrypt with the fixture keys, and cairn_envelope_peek_header.
 *
 * The first byte picks the mode:
 *   even  the rest is Envelope bytes as a peer would send them;
 *   odd   the rest is u16le header length, Header bytes, Payload bytes:
 *         the harness seals and signs them as the fixture sender, so that
 *         mutated headers and payloads get past the signature and the
 *         AEAD and reach the header checks, the time checks and payload
 *         decoding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_header hdr;
	uint8_t	*env = NULL;
	size_t	 envlen, hlen;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		(void)cairn_envelope_peek_header(data + 1, size - 1, &hdr);
		(void)fx_envelope_open(data + 1, size - 1);
		return 0;
	}
	data++;
	size--;
	if (size < 2)
		return 0;
	hlen = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	if (hlen > size)
		hlen = size;
	if (fx_envelope_build(data, hlen, data + hlen, size - hlen, &env,
	    &envlen) != 0)
		return 0;
	(void)cairn_envelope_peek_header(env, envlen, &hdr);
	(void)fx_envelope_open(env, envlen);
	free(env);
	return 0;
}
