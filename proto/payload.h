/* SPDX-License-Identifier: MIT */
/*
 * Payloads: what travels inside an envelope's ciphertext.  Plain C structs
 * that callers fill in, encoded to and decoded from the Payload protobuf.
 *
 * This is the only place personal data lives (subject, free text,
 * attachments).  cairn_payload_free() wipes it.  Decoding validates every
 * field; encoding validates before it encodes, so that a daemon never
 * seals something its peer would refuse.
 */
#ifndef CAIRN_PROTO_PAYLOAD_H
#define CAIRN_PROTO_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/kind.h"
#include "proto/validate.h"

#define CAIRN_MSG_ID_BYTES	16
#define CAIRN_PAYLOAD_MAX_BYTES	(40u * 1024 * 1024)
#define CAIRN_TEXT_MAX		(64u * 1024)	/* question, advice, note */
#define CAIRN_SHORT_MAX		200		/* subject, scope, names */
#define CAIRN_ATTACH_MAX	16		/* attachments per message */
#define CAIRN_ATTACH_BYTES_MAX	(32u * 1024 * 1024)	/* all together */

enum cairn_age_band {
	CAIRN_AGE_NONE = 0, CAIRN_AGE_0_5, CAIRN_AGE_6_9, CAIRN_AGE_10_12,
	CAIRN_AGE_13_15, CAIRN_AGE_16_17, CAIRN_AGE_18_PLUS,
	CAIRN_AGE_MAX = CAIRN_AGE_18_PLUS
};

enum cairn_consent_by {
	CAIRN_CONSENT_NONE = 0, CAIRN_CONSENT_GUARDIAN,
	CAIRN_CONSENT_YOUNG_PERSON, CAIRN_CONSENT_BOTH,
	CAIRN_CONSENT_MAX = CAIRN_CONSENT_BOTH
};

enum cairn_urgency {
	CAIRN_URGENCY_NONE = 0, CAIRN_URGENCY_ROUTINE, CAIRN_URGENCY_SOON,
	CAIRN_URGENCY_URGENT,
	CAIRN_URGENCY_MAX = CAIRN_URGENCY_URGENT
};

enum cairn_channel {
	CAIRN_CHANNEL_NONE = 0, CAIRN_CHANNEL_PHONE, CAIRN_CHANNEL_VIDEO,
	CAIRN_CHANNEL_VISIT, CAIRN_CHANNEL_LETTER,
	CAIRN_CHANNEL_MAX = CAIRN_CHANNEL_LETTER
};

enum cairn_level {
	CAIRN_LEVEL_NONE = 0, CAIRN_LEVEL_FIRST_LINE, CAIRN_LEVEL_SPECIALIST,
	CAIRN_LEVEL_OTHER,
	CAIRN_LEVEL_MAX = CAIRN_LEVEL_OTHER
};

struct cairn_attachment {
	char		*name;		/* file name, no '/' */
	char		*media_type;	/* may be "" */
	uint8_t		*data;
	size_t		 len;
};

struct cairn_request {
	char		*subject;	/* personal identity number or pseudonym */
	bool		 subject_is_pseudonym;
	enum cairn_age_band age_band;
	enum cairn_consent_by consent_by;	/* required */
	char		 consent_date[11];	/* YYYY-MM-DD, required */
	char		*consent_scope;		/* may be "" */
	enum cairn_urgency urgency;
	char		*question;
	enum cairn_channel wanted_channel;
};

struct cairn_guarantee {
	uint8_t		 request_id[CAIRN_MSG_ID_BYTES];
	bool		 redirected;
	char		 redirect_org[CAIRN_ORG_ID_MAX + 1];	/* if redirected */
	char		 redirect_function[CAIRN_FUNCTION_MAX + 1];
	char		 contact_by[11];	/* YYYY-MM-DD unless redirected */
	enum cairn_channel channel;
	char		 responsible_org[CAIRN_ORG_ID_MAX + 1];
	char		 responsible_function[CAIRN_FUNCTION_MAX + 1];
	char		*note;			/* may be "" */
};

struct cairn_response {
	uint8_t		 request_id[CAIRN_MSG_ID_BYTES];
	char		*advice;
	enum cairn_level level;
	bool		 has_meeting;
	int64_t		 meeting_start_ms;
	uint32_t	 meeting_minutes;
	char		*meeting_join_ref;
};

struct cairn_withdrawal {
	uint8_t		 request_id[CAIRN_MSG_ID_BYTES];
	char		*reason;
};

struct cairn_payload {
	enum cairn_kind	 kind;
	union {
		struct cairn_request	request;
		struct cairn_guarantee	guarantee;
		struct cairn_response	response;
		struct cairn_withdrawal	withdrawal;
	} u;
	/* requests and responses only */
	struct cairn_attachment	*attachments;
	size_t			 nattachments;
};

/*
 * A zeroed payload of the given kind; strings are filled in by the caller
 * with malloc'ed copies (cairn_payload_free() frees them).  Returns NULL
 * only when memory runs out.
 */
struct cairn_payload *cairn_payload_new(enum cairn_kind kind);

/*
 * Adds a copy of an attachment.  Returns 0, CAIRN_ETOOBIG (too many or too
 * large in total), CAIRN_EKIND (kind takes no attachments), CAIRN_ESTRING
 * (bad name) or -ENOMEM.
 */
int	cairn_payload_attach(struct cairn_payload *p, const char *name,
	    const char *media_type, const uint8_t *data, size_t len)
	    CAIRN_MUSTCHECK;

/*
 * Checks every field of a payload, as a receiver would.  now_ms is used for
 * the identity-number date check.
 * Returns 0, CAIRN_EKIND, CAIRN_ECONSENT (no consent basis or date),
 * CAIRN_EPNR / CAIRN_EPNRDATE / CAIRN_EPNRCHECK (subject), CAIRN_ESTRING,
 * CAIRN_EDATE, CAIRN_EADDRESS, CAIRN_EFIELD (enum out of range, missing
 * text) or CAIRN_ETOOBIG.
 */
int	cairn_payload_validate(const struct cairn_payload *p, int64_t now_ms)
	    CAIRN_MUSTCHECK;

/*
 * Validates and encodes.  *out is malloc'ed; the caller wipes
 * (sodium_memzero) and frees it: it holds personal data.
 * Returns 0, any code of cairn_payload_validate(), or -ENOMEM.
 */
int	cairn_payload_encode(const struct cairn_payload *p, int64_t now_ms,
	    uint8_t **out, size_t *outlen) CAIRN_MUSTCHECK;

/*
 * Decodes with a size limit and an allocation budget, then validates.
 * *out is freed with cairn_payload_free().
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED, CAIRN_EBADPAYLOAD (decodes
 * but fails validation), or -ENOMEM.
 */
int	cairn_payload_decode(struct cairn_payload **out, const uint8_t *buf,
	    size_t len, int64_t now_ms) CAIRN_MUSTCHECK;

/* Flags of cairn_payload_decode_flags(). */
#define CAIRN_PAYLOAD_META	0x1	/* attachments without their data */
#define CAIRN_PAYLOAD_STRICT	0x2	/* refuse unknown fields */

/*
 * cairn_payload_decode() with flags.  CAIRN_PAYLOAD_META checks every
 * field and attachment as usual but does not copy attachment contents:
 * each attachment keeps its name, media type and len, with data NULL (for
 * a daemon that validates and routes a payload it never shows).
 * CAIRN_PAYLOAD_STRICT also refuses unknown fields at any depth
 * (CAIRN_EBADPAYLOAD), for bytes a daemon seals as they are.
 * Returns the codes of cairn_payload_decode().
 */
int	cairn_payload_decode_flags(struct cairn_payload **out,
	    const uint8_t *buf, size_t len, int64_t now_ms,
	    unsigned int flags) CAIRN_MUSTCHECK;

/* Wipes every string and attachment, then frees.  NULL is allowed. */
void	cairn_payload_free(struct cairn_payload *p);

/* Names as typed on the command line; NULL/NONE when unknown. */
const char	*cairn_channel_name(enum cairn_channel c);
enum cairn_channel cairn_channel_parse(const char *s);
const char	*cairn_consent_name(enum cairn_consent_by c);
enum cairn_consent_by cairn_consent_parse(const char *s);
const char	*cairn_urgency_name(enum cairn_urgency u);
enum cairn_urgency cairn_urgency_parse(const char *s);
const char	*cairn_level_name(enum cairn_level l);
enum cairn_level cairn_level_parse(const char *s);

#endif
