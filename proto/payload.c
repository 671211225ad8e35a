/* SPDX-License-Identifier: MIT */
/*
 * Payloads inside the ciphertext (see payload.h): validation, encoding and
 * decoding.  Everything here may be personal data, so every buffer that
 * held it is wiped before it is freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/cairn.pb-c.h"
#include "proto/payload.h"
#include "proto/pbutil.h"

static char	*dupstr(const char *);
static void	 wipe_str(char *);
static int	 check_text(const char *, size_t, int);
static int	 check_request(const struct cairn_request *, int64_t);
static int	 check_attachments(const struct cairn_payload *);
static int	 attach(struct cairn_payload *, const char *, const char *,
		    const uint8_t *, size_t, int);

static const char *channel_names[] = {
	"", "phone", "video", "visit", "letter"
};
static const char *consent_names[] = {
	"", "guardian", "young-person", "both"
};
static const char *urgency_names[] = {
	"", "routine", "soon", "urgent"
};
static const char *level_names[] = {
	"", "first-line", "specialist", "other"
};

static int
name_parse(const char *s, const char **names, int n)
{
	int	i;

	for (i = 1; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return 0;
}

#define NAMES(a)	(a), (int)(sizeof(a) / sizeof((a)[0]))

const char *
cairn_channel_name(enum cairn_channel c)
{
	return c > 0 && c <= CAIRN_CHANNEL_MAX ? channel_names[c] : NULL;
}

enum cairn_channel
cairn_channel_parse(const char *s)
{
	return (enum cairn_channel)name_parse(s, NAMES(channel_names));
}

const char *
cairn_consent_name(enum cairn_consent_by c)
{
	return c > 0 && c <= CAIRN_CONSENT_MAX ? consent_names[c] : NULL;
}

enum cairn_consent_by
cairn_consent_parse(const char *s)
{
	return (enum cairn_consent_by)name_parse(s, NAMES(consent_names));
}

const char *
cairn_urgency_name(enum cairn_urgency u)
{
	return u > 0 && u <= CAIRN_URGENCY_MAX ? urgency_names[u] : NULL;
}

enum cairn_urgency
cairn_urgency_parse(const char *s)
{
	return (enum cairn_urgency)name_parse(s, NAMES(urgency_names));
}

const char *
cairn_level_name(enum cairn_level l)
{
	return l > 0 && l <= CAIRN_LEVEL_MAX ? level_names[l] : NULL;
}

enum cairn_level
cairn_level_parse(const char *s)
{
	return (enum cairn_level)name_parse(s, NAMES(level_names));
}

struct cairn_payload *
cairn_payload_new(enum cairn_kind kind)
{
	struct cairn_payload *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->kind = kind;
	return p;
}

static void
wipe_str(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

static char *
dupstr(const char *s)
{
	return strdup(s != NULL ? s : "");
}

int
cairn_payload_attach(struct cairn_payload *p, const char *name,
    const char *media_type, const uint8_t *data, size_t len)
{
	return attach(p, name, media_type, data, len, 1);
}

/* With copy 0 only the name, media type and length are kept (data NULL). */
static int
attach(struct cairn_payload *p, const char *name, const char *media_type,
    const uint8_t *data, size_t len, int copy)
{
	struct cairn_attachment *a, *na;
	size_t	 total = len, i;

	if (p->kind != CAIRN_KIND_REQUEST && p->kind != CAIRN_KIND_RESPONSE)
		return CAIRN_EKIND;
	if (p->nattachments >= CAIRN_ATTACH_MAX)
		return CAIRN_ETOOBIG;
	for (i = 0; i < p->nattachments; i++)
		total += p->attachments[i].len;
	if (total > CAIRN_ATTACH_BYTES_MAX)
		return CAIRN_ETOOBIG;
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL ||
	    cairn_valid_text(name, strlen(name), CAIRN_SHORT_MAX, 0) != 0)
		return CAIRN_ESTRING;
	if (media_type == NULL)
		media_type = "";
	if (cairn_valid_text(media_type, strlen(media_type), CAIRN_SHORT_MAX,
	    0) != 0)
		return CAIRN_ESTRING;
	na = reallocarray(p->attachments, p->nattachments + 1, sizeof(*na));
	if (na == NULL)
		return -ENOMEM;
	p->attachments = na;
	a = &na[p->nattachments];
	memset(a, 0, sizeof(*a));
	a->name = strdup(name);
	a->media_type = strdup(media_type);
	if (copy)
		a->data = malloc(len ? len : 1);
	if (a->name == NULL || a->media_type == NULL ||
	    (copy && a->data == NULL)) {
		free(a->name);
		free(a->media_type);
		free(a->data);
		return -ENOMEM;
	}
	if (copy && len)
		memcpy(a->data, data, len);
	a->len = len;
	p->nattachments++;
	return 0;
}

void
cairn_payload_free(struct cairn_payload *p)
{
	size_t	i;

	if (p == NULL)
		return;
	switch (p->kind) {
	case CAIRN_KIND_REQUEST:
		wipe_str(p->u.request.subject);
		wipe_str(p->u.request.consent_scope);
		wipe_str(p->u.request.question);
		break;
	case CAIRN_KIND_GUARANTEE:
		wipe_str(p->u.guarantee.note);
		break;
	case CAIRN_KIND_RESPONSE:
		wipe_str(p->u.response.advice);
		wipe_str(p->u.response.meeting_join_ref);
		break;
	case CAIRN_KIND_WITHDRAWAL:
		wipe_str(p->u.withdrawal.reason);
		break;
	default:
		break;
	}
	for (i = 0; i < p->nattachments; i++) {
		wipe_str(p->attachments[i].name);
		wipe_str(p->attachments[i].media_type);
		if (p->attachments[i].data != NULL) {
			sodium_memzero(p->attachments[i].data,
			    p->attachments[i].len);
			free(p->attachments[i].data);
		}
	}
	free(p->attachments);
	sodium_memzero(p, sizeof(*p));
	free(p);
}

/* ---- validation ---------------------------------------------------------- */

static int
check_text(const char *s, size_t max, int required)
{
	if (s == NULL)
		return required ? CAIRN_EFIELD : 0;
	if (required && s[0] == '\0')
		return CAIRN_EFIELD;
	return cairn_valid_text(s, strlen(s), max, max > CAIRN_SHORT_MAX);
}

static int
check_request(const struct cairn_request *r, int64_t now_ms)
{
	int64_t	days;
	int	rc;

	if (r->subject == NULL || r->subject[0] == '\0')
		return CAIRN_EFIELD;
	if (r->subject_is_pseudonym) {
		if ((rc = check_text(r->subject, CAIRN_SHORT_MAX, 1)) != 0)
			return rc;
	} else if ((rc = cairn_valid_pnr(r->subject, now_ms, NULL)) != 0)
		return rc;
	if (r->consent_by == CAIRN_CONSENT_NONE ||
	    r->consent_by > CAIRN_CONSENT_MAX)
		return CAIRN_ECONSENT;
	if (cairn_valid_date(r->consent_date, &days) != 0)
		return CAIRN_ECONSENT;
	if (days * 86400000LL > now_ms + 86400000LL)
		return CAIRN_ECONSENT;	/* consent given in the future */
	if ((rc = check_text(r->consent_scope, CAIRN_SHORT_MAX, 0)) != 0)
		return rc;
	if ((int)r->age_band < 0 || r->age_band > CAIRN_AGE_MAX ||
	    (int)r->urgency < 0 || r->urgency > CAIRN_URGENCY_MAX ||
	    (int)r->wanted_channel < 0 ||
	    r->wanted_channel > CAIRN_CHANNEL_MAX)
		return CAIRN_EFIELD;
	return check_text(r->question, CAIRN_TEXT_MAX, 1);
}

static int
check_attachments(const struct cairn_payload *p)
{
	size_t	i, total = 0;
	const struct cairn_attachment *a;

	if (p->nattachments == 0)
		return 0;
	if (p->kind != CAIRN_KIND_REQUEST && p->kind != CAIRN_KIND_RESPONSE)
		return CAIRN_EKIND;
	if (p->nattachments > CAIRN_ATTACH_MAX)
		return CAIRN_ETOOBIG;
	for (i = 0; i < p->nattachments; i++) {
		a = &p->attachments[i];
		if (a->name == NULL || a->name[0] == '\0' ||
		    strchr(a->name, '/') != NULL ||
		    strcmp(a->name, "..") == 0 ||
		    check_text(a->name, CAIRN_SHORT_MAX, 1) != 0 ||
		    check_text(a->media_type, CAIRN_SHORT_MAX, 0) != 0)
			return CAIRN_ESTRING;
		if (a->len > CAIRN_ATTACH_BYTES_MAX - total)
			return CAIRN_ETOOBIG;
		total += a->len;
	}
	return 0;
}

static int
check_addr(const char *org, const char *fn)
{
	if (cairn_valid_org_id(org) != 0 || cairn_valid_function(fn) != 0)
		return CAIRN_EADDRESS;
	return 0;
}

int
cairn_payload_validate(const struct cairn_payload *p, int64_t now_ms)
{
	const struct cairn_guarantee *g;
	const struct cairn_response *r;
	int	rc;

	switch (p->kind) {
	case CAIRN_KIND_REQUEST:
		rc = check_request(&p->u.request, now_ms);
		break;
	case CAIRN_KIND_GUARANTEE:
		g = &p->u.guarantee;
		if (g->redirected) {
			rc = check_addr(g->redirect_org, g->redirect_function);
		} else {
			rc = cairn_valid_date(g->contact_by, NULL);
			if (rc == 0 && (g->channel == CAIRN_CHANNEL_NONE ||
			    g->channel > CAIRN_CHANNEL_MAX))
				rc = CAIRN_EFIELD;
		}
		if (rc == 0 && g->responsible_org[0] != '\0')
			rc = check_addr(g->responsible_org,
			    g->responsible_function);
		if (rc == 0)
			rc = check_text(g->note, CAIRN_TEXT_MAX, 0);
		break;
	case CAIRN_KIND_RESPONSE:
		r = &p->u.response;
		rc = check_text(r->advice, CAIRN_TEXT_MAX, 1);
		if (rc == 0 && ((int)r->level < 0 || r->level > CAIRN_LEVEL_MAX))
			rc = CAIRN_EFIELD;
		if (rc == 0 && r->has_meeting) {
			if (r->meeting_start_ms <= 0 ||
			    r->meeting_minutes == 0 ||
			    r->meeting_minutes > 24 * 60)
				rc = CAIRN_EFIELD;
			else
				rc = check_text(r->meeting_join_ref,
				    CAIRN_SHORT_MAX, 1);
		}
		break;
	case CAIRN_KIND_WITHDRAWAL:
		rc = check_text(p->u.withdrawal.reason, CAIRN_TEXT_MAX, 1);
		break;
	default:
		return CAIRN_EKIND;
	}
	if (rc != 0)
		return rc;
	return check_attachments(p);
}

/* ---- encoding ------------------------------------------------------------ */

static char *
pbstr(const char *s)
{
	return (char *)(s != NULL ? s : "");
}

int
cairn_payload_encode(const struct cairn_payload *p, int64_t now_ms,
    uint8_t **out, size_t *outlen)
{
	Cairn__V1__Payload pl = CAIRN__V1__PAYLOAD__INIT;
	Cairn__V1__ConsultationRequest rq =
	    CAIRN__V1__CONSULTATION_REQUEST__INIT;
	Cairn__V1__Consent consent = CAIRN__V1__CONSENT__INIT;
	Cairn__V1__ContactGuarantee gu = CAIRN__V1__CONTACT_GUARANTEE__INIT;
	Cairn__V1__Address redir = CAIRN__V1__ADDRESS__INIT;
	Cairn__V1__Address resp = CAIRN__V1__ADDRESS__INIT;
	Cairn__V1__ConsultationResponse rs =
	    CAIRN__V1__CONSULTATION_RESPONSE__INIT;
	Cairn__V1__MeetingInvitation mi = CAIRN__V1__MEETING_INVITATION__INIT;
	Cairn__V1__Withdrawal wd = CAIRN__V1__WITHDRAWAL__INIT;
	Cairn__V1__Attachment *atts = NULL, **attp = NULL;
	size_t	 i;
	int	 rc;

	if ((rc = cairn_payload_validate(p, now_ms)) != 0)
		return rc;
	if (p->nattachments) {
		atts = calloc(p->nattachments, sizeof(*atts));
		attp = calloc(p->nattachments, sizeof(*attp));
		if (atts == NULL || attp == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < p->nattachments; i++) {
			cairn__v1__attachment__init(&atts[i]);
			atts[i].name = p->attachments[i].name;
			atts[i].media_type = pbstr(p->attachments[i].media_type);
			atts[i].data.data = p->attachments[i].data;
			atts[i].data.len = p->attachments[i].len;
			attp[i] = &atts[i];
		}
	}
	switch (p->kind) {
	case CAIRN_KIND_REQUEST:
		rq.subject = p->u.request.subject;
		rq.subject_is_pseudonym = p->u.request.subject_is_pseudonym;
		rq.age_band = (Cairn__V1__AgeBand)p->u.request.age_band;
		consent.by = (Cairn__V1__ConsentBy)p->u.request.consent_by;
		consent.date = (char *)p->u.request.consent_date;
		consent.scope = pbstr(p->u.request.consent_scope);
		rq.consent = &consent;
		rq.urgency = (Cairn__V1__Urgency)p->u.request.urgency;
		rq.question = p->u.request.question;
		rq.wanted_channel =
		    (Cairn__V1__Channel)p->u.request.wanted_channel;
		rq.n_attachments = p->nattachments;
		rq.attachments = attp;
		pl.body_case = CAIRN__V1__PAYLOAD__BODY_REQUEST;
		pl.request = &rq;
		break;
	case CAIRN_KIND_GUARANTEE:
		gu.request_id.data = (uint8_t *)p->u.guarantee.request_id;
		gu.request_id.len = CAIRN_MSG_ID_BYTES;
		gu.redirected = p->u.guarantee.redirected;
		if (gu.redirected) {
			redir.org = (char *)p->u.guarantee.redirect_org;
			redir.function =
			    (char *)p->u.guarantee.redirect_function;
			gu.redirect_to = &redir;
		}
		gu.contact_by = (char *)p->u.guarantee.contact_by;
		gu.channel = (Cairn__V1__Channel)p->u.guarantee.channel;
		if (p->u.guarantee.responsible_org[0] != '\0') {
			resp.org = (char *)p->u.guarantee.responsible_org;
			resp.function =
			    (char *)p->u.guarantee.responsible_function;
			gu.responsible = &resp;
		}
		gu.note = pbstr(p->u.guarantee.note);
		pl.body_case = CAIRN__V1__PAYLOAD__BODY_GUARANTEE;
		pl.guarantee = &gu;
		break;
	case CAIRN_KIND_RESPONSE:
		rs.request_id.data = (uint8_t *)p->u.response.request_id;
		rs.request_id.len = CAIRN_MSG_ID_BYTES;
		rs.advice = p->u.response.advice;
		rs.level = (Cairn__V1__Level)p->u.response.level;
		if (p->u.response.has_meeting) {
			mi.start_ms = p->u.response.meeting_start_ms;
			mi.minutes = p->u.response.meeting_minutes;
			mi.join_ref = p->u.response.meeting_join_ref;
			rs.meeting = &mi;
		}
		rs.n_attachments = p->nattachments;
		rs.attachments = attp;
		pl.body_case = CAIRN__V1__PAYLOAD__BODY_RESPONSE;
		pl.response = &rs;
		break;
	case CAIRN_KIND_WITHDRAWAL:
		wd.request_id.data = (uint8_t *)p->u.withdrawal.request_id;
		wd.request_id.len = CAIRN_MSG_ID_BYTES;
		wd.reason = p->u.withdrawal.reason;
		pl.body_case = CAIRN__V1__PAYLOAD__BODY_WITHDRAWAL;
		pl.withdrawal = &wd;
		break;
	default:
		rc = CAIRN_EKIND;
		goto out;
	}
	rc = cairn_pb_pack(&pl.base, out, outlen);
out:
	free(atts);
	free(attp);
	return rc;
}

/* ---- decoding ------------------------------------------------------------ */

static int
take_str(char **dst, const char *src)
{
	if ((*dst = dupstr(src)) == NULL)
		return -ENOMEM;
	return 0;
}

static int
take_fixed(char *dst, size_t size, const char *src)
{
	size_t	len = strlen(src);

	if (len >= size)
		return CAIRN_EBADPAYLOAD;
	memcpy(dst, src, len + 1);
	return 0;
}

static int
take_attachments(struct cairn_payload *p, Cairn__V1__Attachment **a,
    size_t n, int copy)
{
	size_t	i;
	int	rc;

	if (n > CAIRN_ATTACH_MAX)
		return CAIRN_EBADPAYLOAD;
	for (i = 0; i < n; i++) {
		rc = attach(p, a[i]->name, a[i]->media_type, a[i]->data.data,
		    a[i]->data.len, copy);
		if (rc == -ENOMEM)
			return rc;
		if (rc != 0)
			return CAIRN_EBADPAYLOAD;
	}
	return 0;
}

static int
take_addr(char *org, char *fn, const Cairn__V1__Address *a)
{
	if (a == NULL)
		return CAIRN_EBADPAYLOAD;
	if (take_fixed(org, CAIRN_ORG_ID_MAX + 1, a->org) != 0 ||
	    take_fixed(fn, CAIRN_FUNCTION_MAX + 1, a->function) != 0)
		return CAIRN_EBADPAYLOAD;
	return 0;
}

static int
decode_body(struct cairn_payload *p, const Cairn__V1__Payload *pl, int copy)
{
	const Cairn__V1__ConsultationRequest *rq;
	const Cairn__V1__ContactGuarantee *gu;
	const Cairn__V1__ConsultationResponse *rs;
	int	rc = 0;

	switch (pl->body_case) {
	case CAIRN__V1__PAYLOAD__BODY_REQUEST:
		rq = pl->request;
		p->kind = CAIRN_KIND_REQUEST;
		if (rq->consent == NULL)
			return CAIRN_EBADPAYLOAD;
		p->u.request.subject_is_pseudonym = rq->subject_is_pseudonym;
		p->u.request.age_band = (enum cairn_age_band)rq->age_band;
		p->u.request.consent_by =
		    (enum cairn_consent_by)rq->consent->by;
		p->u.request.urgency = (enum cairn_urgency)rq->urgency;
		p->u.request.wanted_channel =
		    (enum cairn_channel)rq->wanted_channel;
		if (take_fixed(p->u.request.consent_date,
		    sizeof(p->u.request.consent_date), rq->consent->date) != 0)
			return CAIRN_EBADPAYLOAD;
		if ((rc = take_str(&p->u.request.subject, rq->subject)) ||
		    (rc = take_str(&p->u.request.consent_scope,
		    rq->consent->scope)) ||
		    (rc = take_str(&p->u.request.question, rq->question)))
			return rc;
		return take_attachments(p, rq->attachments,
		    rq->n_attachments, copy);
	case CAIRN__V1__PAYLOAD__BODY_GUARANTEE:
		gu = pl->guarantee;
		p->kind = CAIRN_KIND_GUARANTEE;
		if (cairn_pb_exact(p->u.guarantee.request_id, &gu->request_id,
		    CAIRN_MSG_ID_BYTES) != 0)
			return CAIRN_EBADPAYLOAD;
		p->u.guarantee.redirected = gu->redirected;
		if (gu->redirected && (rc = take_addr(
		    p->u.guarantee.redirect_org,
		    p->u.guarantee.redirect_function, gu->redirect_to)) != 0)
			return rc;
		if (gu->responsible != NULL && (rc = take_addr(
		    p->u.guarantee.responsible_org,
		    p->u.guarantee.responsible_function, gu->responsible)) != 0)
			return rc;
		if (take_fixed(p->u.guarantee.contact_by,
		    sizeof(p->u.guarantee.contact_by), gu->contact_by) != 0)
			return CAIRN_EBADPAYLOAD;
		p->u.guarantee.channel = (enum cairn_channel)gu->channel;
		return take_str(&p->u.guarantee.note, gu->note);
	case CAIRN__V1__PAYLOAD__BODY_RESPONSE:
		rs = pl->response;
		p->kind = CAIRN_KIND_RESPONSE;
		if (cairn_pb_exact(p->u.response.request_id, &rs->request_id,
		    CAIRN_MSG_ID_BYTES) != 0)
			return CAIRN_EBADPAYLOAD;
		p->u.response.level = (enum cairn_level)rs->level;
		if ((rc = take_str(&p->u.response.advice, rs->advice)) != 0)
			return rc;
		if (rs->meeting != NULL) {
			p->u.response.has_meeting = true;
			p->u.response.meeting_start_ms = rs->meeting->start_ms;
			p->u.response.meeting_minutes = rs->meeting->minutes;
			if ((rc = take_str(&p->u.response.meeting_join_ref,
			    rs->meeting->join_ref)) != 0)
				return rc;
		}
		return take_attachments(p, rs->attachments,
		    rs->n_attachments, copy);
	case CAIRN__V1__PAYLOAD__BODY_WITHDRAWAL:
		p->kind = CAIRN_KIND_WITHDRAWAL;
		if (cairn_pb_exact(p->u.withdrawal.request_id,
		    &pl->withdrawal->request_id, CAIRN_MSG_ID_BYTES) != 0)
			return CAIRN_EBADPAYLOAD;
		return take_str(&p->u.withdrawal.reason,
		    pl->withdrawal->reason);
	default:
		return CAIRN_EBADPAYLOAD;
	}
}

int
cairn_payload_decode(struct cairn_payload **out, const uint8_t *buf,
    size_t len, int64_t now_ms)
{
	return cairn_payload_decode_flags(out, buf, len, now_ms, 0);
}

int
cairn_payload_decode_flags(struct cairn_payload **out, const uint8_t *buf,
    size_t len, int64_t now_ms, unsigned int flags)
{
	struct cairn_pb_budget budget;
	Cairn__V1__Payload *pl = NULL;
	struct cairn_payload *p = NULL;
	int	rc;

	*out = NULL;
	if (len > CAIRN_PAYLOAD_MAX_BYTES)
		return CAIRN_ETOOBIG;
	pl = (Cairn__V1__Payload *)cairn_pb_unpack(
	    &cairn__v1__payload__descriptor, &budget, buf, len);
	if (pl == NULL)
		return CAIRN_EMALFORMED;
	if ((flags & CAIRN_PAYLOAD_STRICT) &&
	    !cairn_pb_no_unknown(&pl->base)) {
		rc = CAIRN_EBADPAYLOAD;
		goto out;
	}
	if ((p = cairn_payload_new(CAIRN_KIND_NONE)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = decode_body(p, pl, !(flags & CAIRN_PAYLOAD_META))) != 0)
		goto out;
	if (cairn_payload_validate(p, now_ms) != 0) {
		rc = CAIRN_EBADPAYLOAD;
		goto out;
	}
	*out = p;
	p = NULL;
out:
	cairn_payload_free(p);
	cairn_pb_free((ProtobufCMessage *)pl, &budget);
	return rc;
}
