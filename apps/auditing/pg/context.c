/*
 * shop_audit: the audit context (`audit.context`) read as auditing_capture_rows() reads it.
 */
#include "shop_audit.h"

static bool
is_one_of(const char *value, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(value, *allowed) == 0)
			return true;
	return false;
}

/*
 * A string member of the context object: true with *out set (NULL when absent or JSON null),
 * false when the member has another type (the PL/pgSQL function decides about those).
 */
static bool
member_string(Jsonb *ctx, const char *key, char **out)
{
	JsonbValue	buf;
	JsonbValue *v = getKeyJsonValueFromContainer(&ctx->root, key, strlen(key), &buf);

	*out = NULL;
	if (v == NULL || v->type == jbvNull)
		return true;
	if (v->type != jbvString)
		return false;
	*out = pnstrdup(v->val.string.val, v->val.string.len);
	return true;
}

/*
 * Read `audit.context` the way auditing_capture_rows() does. False when it is not the usual
 * shape: not an object, a member of an unexpected type, or a source / actor kind the trail
 * refuses.
 */
bool
audit_read_context(AuditContext *c)
{
	static const char *const sources[] = {"web", "admin", "task", "command", "sql", NULL};
	static const char *const kinds[] = {"customer", "staff", "system", "anonymous", NULL};
	const char *raw = GetConfigOption("audit.context", true, false);
	Jsonb	   *ctx;
	JsonbValue	buf;
	JsonbValue *v;
	char	   *s;

	c->actor_id_null = c->request_id_null = c->ip_null = c->extra_null = true;
	c->actor_id = c->request_id = c->ip = c->extra = (Datum) 0;
	c->source = "sql";
	c->actor_kind = "system";
	if (raw == NULL || raw[0] == '\0')
		return true;

	ctx = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(raw)));
	if (!JB_ROOT_IS_OBJECT(ctx) || JB_ROOT_IS_SCALAR(ctx))
		return false;

	if (!member_string(ctx, "source", &s))
		return false;
	if (s != NULL)
	{
		if (!is_one_of(s, sources))
			return false;
		c->source = s;
	}
	if (!member_string(ctx, "actor_kind", &s))
		return false;
	if (s != NULL)
	{
		if (!is_one_of(s, kinds))
			return false;
		c->actor_kind = s;
	}

	/* (ctx->>'actor_id')::bigint: a number or a string of digits. */
	v = getKeyJsonValueFromContainer(&ctx->root, "actor_id", strlen("actor_id"), &buf);
	if (v != NULL && v->type == jbvNumeric)
	{
		char	   *digits = DatumGetCString(DirectFunctionCall1(numeric_out,
																 NumericGetDatum(v->val.numeric)));

		c->actor_id = DirectFunctionCall1(int8in, CStringGetDatum(digits));
		c->actor_id_null = false;
	}
	else if (v != NULL && v->type == jbvString)
	{
		c->actor_id = DirectFunctionCall1(int8in, CStringGetDatum(pnstrdup(v->val.string.val,
																		   v->val.string.len)));
		c->actor_id_null = false;
	}
	else if (v != NULL && v->type != jbvNull)
		return false;

	if (!member_string(ctx, "request_id", &s))
		return false;
	if (s != NULL)
	{
		c->request_id = CStringGetTextDatum(s);
		c->request_id_null = false;
	}

	if (!member_string(ctx, "ip", &s))
		return false;
	if (s != NULL)
	{
		c->ip = DirectFunctionCall1(inet_in, CStringGetDatum(s));
		c->ip_null = false;
	}

	/* NULLIF(ctx->'extra', 'null') */
	v = getKeyJsonValueFromContainer(&ctx->root, "extra", strlen("extra"), &buf);
	if (v != NULL && v->type != jbvNull)
	{
		c->extra = JsonbPGetDatum(JsonbValueToJsonb(v));
		c->extra_null = false;
	}
	return true;
}
