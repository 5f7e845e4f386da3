/*
 * shop_audit: the audit capture trigger's one-row path, in C.
 *
 * `auditing_capture()` is attached to every audited table as three AFTER ... FOR EACH
 * STATEMENT triggers with transition tables (apps/auditing/triggers.py). Most statements the
 * shop runs change one row: a save, a stock move, a status change. For those, this function
 * writes the capture itself, exactly as the PL/pgSQL function `auditing_capture_rows()`
 * would (apps/auditing/sql/capture_statements.sql): one inbox row with the row's JSON image
 * (two for an UPDATE) and the audit context. PL/pgSQL pays for preparing its expressions and
 * checking its plans again in every transaction; this path keeps one saved plan for the life
 * of the connection and evaluates nothing else.
 *
 * Everything else is handed to `auditing_capture_rows()` unchanged (same trigger data, so the
 * same transition tables and arguments): statements of several rows, tables with sensitive
 * columns, and any audit context that is not the usual shape (the PL/pgSQL function then
 * applies or refuses it, one set of rules).
 *
 * Built by scripts/pg.sh into .local/lib; migration auditing.0006 installs it when the server
 * can load it and keeps the PL/pgSQL function otherwise.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(auditing_capture);

#define CAPTURE_ARGS 11

/* The one statement this path runs; prepared once per connection, kept across transactions. */
static SPIPlanPtr insert_plan = NULL;

static const char *insert_sql =
	"INSERT INTO auditing_auditevent_inbox"
	" (table_name, pk_column, action, ids, old_rows, new_rows,"
	"  actor_id, actor_kind, source, request_id, ip, context)"
	" VALUES ($1, $2, $3, ARRAY[nextval('auditing_auditevent_id_seq')], $4, $5,"
	"         $6, $7, $8, $9, $10, $11)";

/* The audit context as the inbox stores it (see auditing_context() and apps/auditing/db.py). */
typedef struct AuditContext
{
	Datum		actor_id;
	bool		actor_id_null;
	const char *actor_kind;
	const char *source;
	Datum		request_id;
	bool		request_id_null;
	Datum		ip;
	bool		ip_null;
	Datum		extra;
	bool		extra_null;
} AuditContext;

/* Call `auditing_capture_rows()` (same schema as this function) with the same trigger data. */
static Datum
capture_rows(FunctionCallInfo fcinfo)
{
	Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	List	   *name = list_make2(makeString(get_namespace_name(nsp)),
								  makeString("auditing_capture_rows"));
	FmgrInfo	flinfo;
	Datum		result;

	LOCAL_FCINFO(inner, 0);

	fmgr_info(LookupFuncName(name, 0, NULL, false), &flinfo);
	InitFunctionCallInfoData(*inner, &flinfo, 0, InvalidOid, fcinfo->context, NULL);
	result = FunctionCallInvoke(inner);
	fcinfo->isnull = inner->isnull;
	return result;
}

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
static bool
read_context(AuditContext *c)
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

/*
 * The only row of a transition table as a one-element JSON array, the text
 * json_build_array(row_to_json(r)) and json_agg(row_to_json(r)) both give. Reads through a
 * read pointer of its own, as a scan of the transition table in a query would.
 */
static Datum
only_row_json(Tuplestorestate *rows, TupleDesc desc)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
	text	   *image;
	text	   *array;
	int			len;

	tuplestore_select_read_pointer(rows, pointer);
	tuplestore_rescan(rows);
	if (!tuplestore_gettupleslot(rows, true, false, slot))
		elog(ERROR, "auditing_capture: transition table has no row");
	image = DatumGetTextPP(DirectFunctionCall1(row_to_json,
											   ExecFetchSlotHeapTupleDatum(slot)));
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_select_read_pointer(rows, 0);

	len = VARSIZE_ANY_EXHDR(image);
	array = (text *) palloc(VARHDRSZ + len + 2);
	SET_VARSIZE(array, VARHDRSZ + len + 2);
	VARDATA(array)[0] = '[';
	memcpy(VARDATA(array) + 1, VARDATA_ANY(image), len);
	VARDATA(array)[len + 1] = ']';
	return PointerGetDatum(array);
}

Datum
auditing_capture(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	Tuplestorestate *counted;
	TupleDesc	desc;
	AuditContext c;
	Datum		values[CAPTURE_ARGS];
	char		nulls[CAPTURE_ARGS];
	const char *action;
	int			ret;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "auditing_capture: not called as a trigger");
	trigger = td->tg_trigger;
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event)
		|| trigger->tgnargs != 2 || strcmp(trigger->tgargs[1], "{}") != 0)
		return capture_rows(fcinfo);

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) && td->tg_oldtable && td->tg_newtable)
	{
		action = "update";
		counted = td->tg_newtable;
	}
	else if (TRIGGER_FIRED_BY_INSERT(td->tg_event) && td->tg_newtable)
	{
		action = "insert";
		counted = td->tg_newtable;
	}
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event) && td->tg_oldtable)
	{
		action = "delete";
		counted = td->tg_oldtable;
	}
	else
		return capture_rows(fcinfo);

	/* The context first: a context the trail refuses fails even a statement of no rows. */
	if (!read_context(&c) || tuplestore_tuple_count(counted) > 1)
		return capture_rows(fcinfo);
	if (tuplestore_tuple_count(counted) == 0)
		return PointerGetDatum(NULL);

	desc = RelationGetDescr(td->tg_relation);
	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(RelationGetRelationName(td->tg_relation));
	values[1] = CStringGetTextDatum(trigger->tgargs[0]);
	values[2] = CStringGetTextDatum(action);
	/* The old image for update / delete, the new one for update / insert. */
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		nulls[3] = 'n';
	else
		values[3] = only_row_json(td->tg_oldtable, desc);
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		nulls[4] = 'n';
	else
		values[4] = only_row_json(td->tg_newtable, desc);
	values[5] = c.actor_id;
	nulls[5] = c.actor_id_null ? 'n' : ' ';
	values[6] = CStringGetTextDatum(c.actor_kind);
	values[7] = CStringGetTextDatum(c.source);
	values[8] = c.request_id;
	nulls[8] = c.request_id_null ? 'n' : ' ';
	values[9] = c.ip;
	nulls[9] = c.ip_null ? 'n' : ' ';
	values[10] = c.extra;
	nulls[10] = c.extra_null ? 'n' : ' ';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "auditing_capture: SPI_connect failed");
	if (insert_plan == NULL)
	{
		Oid			types[CAPTURE_ARGS] = {TEXTOID, TEXTOID, TEXTOID, JSONOID, JSONOID,
			INT8OID, TEXTOID, TEXTOID, TEXTOID, INETOID, JSONBOID};
		SPIPlanPtr	plan = SPI_prepare(insert_sql, CAPTURE_ARGS, types);

		if (plan == NULL)
			elog(ERROR, "auditing_capture: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "auditing_capture: SPI_keepplan failed");
		insert_plan = plan;
	}
	ret = SPI_execute_plan(insert_plan, values, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "auditing_capture: inbox insert failed: %s", SPI_result_code_string(ret));
	SPI_finish();
	return PointerGetDatum(NULL);
}
