/*
 * shop_audit: the audit capture trigger, in C.
 *
 * `auditing_capture()` is attached to every audited table as three AFTER ... FOR EACH
 * STATEMENT triggers with transition tables (apps/auditing/triggers.py). It writes exactly
 * what the PL/pgSQL function `auditing_capture_rows()` writes
 * (apps/auditing/sql/capture_statements.sql), one inbox row per statement (per 50,000 rows):
 *
 *   one row (a save, a stock move, a status change): its JSON image, two for an UPDATE;
 *   INSERT / DELETE of several rows: their images as one JSON array;
 *   UPDATE of several rows: per changed row its key and {column: [old, new]} of what
 *   changed, each column compared with its type's '=' (IS DISTINCT FROM), or as text for a
 *   type without one.
 *
 * Sensitive columns (the trigger's second argument) never leave the row: images are
 * to_jsonb(row) without them, a change to one is ["[withheld]", "[withheld]"] or, for one
 * row, its name in `withheld`.
 *
 * PL/pgSQL prepares its expressions and checks its plans again in every transaction, and
 * builds the comparison of several rows as a statement each time; here three INSERT plans
 * are prepared once per connection and rows are compared and rendered directly.
 *
 * Everything else goes to `auditing_capture_rows()` unchanged (same trigger data, so the
 * same transition tables and arguments): an UPDATE of several rows of a table with a column
 * this file does not compare the same way (a type without '='
 * whose text is not its output text, a nondeterministic collation, such a key), and any
 * audit context that is not the usual shape (the PL/pgSQL function then applies or refuses
 * it: one set of rules). tests/auditing/test_capture_native.py holds both to the same bytes.
 *
 * Built by scripts/pg.sh into .local/lib; migration auditing.0006 installs it when the server
 * can load it and keeps the PL/pgSQL function otherwise.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(auditing_capture);

/* Rows per capture, as in auditing_capture_rows(): a bigger statement writes several. */
#define CHUNK_ROWS 50000

/*
 * The three inbox INSERTs this file runs, each prepared once per connection and kept across
 * transactions. $1-$9 are the same in all three (see fill_common); then one row's images,
 * several rows' images, or several rows' changes.
 */
#define CAPTURE_ARGS 12
#define INBOX_INSERT \
	"INSERT INTO auditing_auditevent_inbox (table_name, pk_column, action, actor_id," \
	" actor_kind, source, request_id, ip, context, ids, "
#define COMMON_VALUES ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
#define IDS(n) "ARRAY(SELECT nextval('auditing_auditevent_id_seq') FROM generate_series(1, " n "))"

typedef struct CapturePlan
{
	const char *sql;
	int			nargs;
	Oid			types[CAPTURE_ARGS];
	SPIPlanPtr	plan;
} CapturePlan;

#define COMMON_TYPES TEXTOID, TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, INETOID, JSONBOID

static CapturePlan one_row_plan = {
	INBOX_INSERT "old_rows, new_rows, withheld" COMMON_VALUES
	"ARRAY[nextval('auditing_auditevent_id_seq')], $10, $11, $12)",
	12, {COMMON_TYPES, JSONOID, JSONOID, TEXTARRAYOID}, NULL
};
static CapturePlan images_plan = {
	INBOX_INSERT "old_rows, new_rows" COMMON_VALUES IDS("$12") ", $10, $11)",
	12, {COMMON_TYPES, JSONOID, JSONOID, INT4OID}, NULL
};
static CapturePlan changes_plan = {
	INBOX_INSERT "row_pks, changes" COMMON_VALUES IDS("$10") ", $11, $12)",
	12, {COMMON_TYPES, INT4OID, TEXTARRAYOID, TEXTOID}, NULL
};

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

/*
 * The table's sensitive columns (the trigger's second argument, a text[] literal): never
 * copied. Images leave them out (to_jsonb(row) - hidden, as text); a change to one is recorded
 * as ["[withheld]", "[withheld]"], or by name in `withheld` for a one-row UPDATE.
 */
typedef struct Hidden
{
	int			count;
	Datum	   *names;			/* text */
	Datum		array;			/* text[] */
	FmgrInfo	to_jsonb;		/* to_jsonb(anyelement), bound to the table's row type */
} Hidden;

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

/* Run one of the inbox INSERTs (inside SPI_connect / SPI_finish). */
static void
insert_capture(CapturePlan *cp, Datum *values, const char *nulls)
{
	int			ret;

	if (cp->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(cp->sql, cp->nargs, cp->types);

		if (plan == NULL)
			elog(ERROR, "auditing_capture: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "auditing_capture: SPI_keepplan failed");
		cp->plan = plan;
	}
	ret = SPI_execute_plan(cp->plan, values, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "auditing_capture: inbox insert failed: %s", SPI_result_code_string(ret));
}

/* $1-$9 of every capture: the table, its key column, the action and the audit context. */
static void
fill_common(Datum *values, char *nulls, TriggerData *td, const char *action, AuditContext *c)
{
	memset(nulls, ' ', CAPTURE_ARGS);
	values[0] = CStringGetTextDatum(RelationGetRelationName(td->tg_relation));
	values[1] = CStringGetTextDatum(td->tg_trigger->tgargs[0]);
	values[2] = CStringGetTextDatum(action);
	values[3] = c->actor_id;
	nulls[3] = c->actor_id_null ? 'n' : ' ';
	values[4] = CStringGetTextDatum(c->actor_kind);
	values[5] = CStringGetTextDatum(c->source);
	values[6] = c->request_id;
	nulls[6] = c->request_id_null ? 'n' : ' ';
	values[7] = c->ip;
	nulls[7] = c->ip_null ? 'n' : ' ';
	values[8] = c->extra;
	nulls[8] = c->extra_null ? 'n' : ' ';
}

/* A read pointer of this function's own at the start of a transition table. */
static int
rows_rewind(Tuplestorestate *rows)
{
	int			pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);

	tuplestore_select_read_pointer(rows, pointer);
	tuplestore_rescan(rows);
	return pointer;
}

static bool
rows_next(Tuplestorestate *rows, int pointer, TupleTableSlot *slot)
{
	tuplestore_select_read_pointer(rows, pointer);
	return tuplestore_gettupleslot(rows, true, false, slot);
}

/* TG_ARGV[1]::text[]; false (left to PL/pgSQL) when it holds a NULL. */
static bool
read_hidden(TriggerData *td, Hidden *h)
{
	const char *literal = td->tg_trigger->tgargs[1];
	ArrayType  *names;
	bool	   *nulls;
	int			i;

	h->count = 0;
	if (strcmp(literal, "{}") == 0)
		return true;			/* the usual case, without parsing */
	names = DatumGetArrayTypeP(OidInputFunctionCall(F_ARRAY_IN, (char *) literal, TEXTOID, -1));
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &h->names, &nulls, &h->count);
	for (i = 0; i < h->count; i++)
		if (nulls[i])
			return false;
	h->array = PointerGetDatum(names);
	if (h->count > 0)
	{
		Oid			row_type = RelationGetDescr(td->tg_relation)->tdtypeid;
		FuncExpr   *call = makeFuncExpr(F_TO_JSONB, JSONBOID,
										list_make1(makeNullConst(row_type, -1, InvalidOid)),
										InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);

		fmgr_info(F_TO_JSONB, &h->to_jsonb);
		fmgr_info_set_expr((Node *) call, &h->to_jsonb);
	}
	return true;
}

static bool
is_hidden(Hidden *h, const char *name)
{
	int			i;

	for (i = 0; i < h->count; i++)
		if (strcmp(TextDatumGetCString(h->names[i]), name) == 0)
			return true;
	return false;
}

/* to_jsonb(r) of the slot's row. */
static Jsonb *
row_jsonb(TupleTableSlot *slot, Hidden *h)
{
	return DatumGetJsonbP(FunctionCall1(&h->to_jsonb, ExecFetchSlotHeapTupleDatum(slot)));
}

/*
 * The image of the slot's row, appended to buf: row_to_json(r)::text, or with sensitive
 * columns (to_jsonb(r) - hidden)::json::text. `row` is to_jsonb(r) when the caller has it.
 */
static void
append_image(StringInfo buf, TupleTableSlot *slot, Hidden *h, Jsonb *row)
{
	if (h->count == 0)
	{
		text	   *image = DatumGetTextPP(DirectFunctionCall1(row_to_json,
															   ExecFetchSlotHeapTupleDatum(slot)));

		appendBinaryStringInfo(buf, VARDATA_ANY(image), VARSIZE_ANY_EXHDR(image));
		return;
	}
	if (row == NULL)
		row = row_jsonb(slot, h);
	appendStringInfoString(buf, DatumGetCString(DirectFunctionCall1(jsonb_out,
		DirectFunctionCall2(jsonb_delete_array, JsonbPGetDatum(row), h->array))));
}

static int
name_cmp(const void *a, const void *b)
{
	text	   *x = DatumGetTextPP(*(const Datum *) a);
	text	   *y = DatumGetTextPP(*(const Datum *) b);

	return varstr_cmp(VARDATA_ANY(x), VARSIZE_ANY_EXHDR(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(y),
					  DEFAULT_COLLATION_OID);
}

/*
 * The sensitive columns a one-row UPDATE changed, by name and in order:
 * NULLIF(ARRAY(SELECT h FROM unnest(hidden) h WHERE (o->h) IS DISTINCT FROM (n->h)
 * ORDER BY h), '{}').
 */
static Datum
withheld_names(Jsonb *o, Jsonb *n, Hidden *h, bool *isnull)
{
	Datum	   *changed = palloc(sizeof(Datum) * Max(h->count, 1));
	int			count = 0;
	int			i;

	for (i = 0; i < h->count; i++)
	{
		char	   *name = TextDatumGetCString(h->names[i]);
		JsonbValue	obuf,
					nbuf;
		JsonbValue *ov = getKeyJsonValueFromContainer(&o->root, name, strlen(name), &obuf);
		JsonbValue *nv = getKeyJsonValueFromContainer(&n->root, name, strlen(name), &nbuf);

		if ((ov == NULL) != (nv == NULL) ||
			(ov != NULL && compareJsonbContainers(&JsonbValueToJsonb(ov)->root,
												  &JsonbValueToJsonb(nv)->root) != 0))
			changed[count++] = h->names[i];
	}
	*isnull = count == 0;
	if (count == 0)
		return (Datum) 0;
	qsort(changed, count, sizeof(Datum), name_cmp);
	return PointerGetDatum(construct_array(changed, count, TEXTOID, -1, false, TYPALIGN_INT));
}

/* The one row of an UPDATE: its old and new image, each as a one-element JSON array. */
static void
capture_one_update(TriggerData *td, AuditContext *c, Hidden *h)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation),
													&TTSOpsMinimalTuple);
	Tuplestorestate *tables[2] = {td->tg_oldtable, td->tg_newtable};
	Jsonb	   *rows[2] = {NULL, NULL};
	Datum		values[CAPTURE_ARGS];
	char		nulls[CAPTURE_ARGS];
	bool		none_withheld = true;
	int			i;

	fill_common(values, nulls, td, "update", c);
	for (i = 0; i < 2; i++)
	{
		StringInfoData image;

		initStringInfo(&image);
		if (!rows_next(tables[i], rows_rewind(tables[i]), slot))
			elog(ERROR, "auditing_capture: transition table has no row");
		if (h->count > 0)
			rows[i] = row_jsonb(slot, h);
		appendStringInfoChar(&image, '[');
		append_image(&image, slot, h, rows[i]);
		appendStringInfoChar(&image, ']');
		values[9 + i] = PointerGetDatum(cstring_to_text_with_len(image.data, image.len));
		tuplestore_select_read_pointer(tables[i], 0);
	}
	if (h->count > 0)
		values[11] = withheld_names(rows[0], rows[1], h, &none_withheld);
	nulls[11] = none_withheld ? 'n' : ' ';
	ExecDropSingleTupleTableSlot(slot);
	insert_capture(&one_row_plan, values, nulls);
}

/*
 * INSERT / DELETE: the rows' images, one JSON array per CHUNK_ROWS rows, the text
 * json_agg(row_to_json(r)) gives: "[" r1 ", " r2 ... "]".
 */
static void
capture_images(TriggerData *td, const char *action, AuditContext *c, Hidden *h)
{
	bool		deleted = TRIGGER_FIRED_BY_DELETE(td->tg_event);
	Tuplestorestate *rows = deleted ? td->tg_oldtable : td->tg_newtable;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation),
													&TTSOpsMinimalTuple);
	MemoryContext row_cxt = AllocSetContextCreate(CurrentMemoryContext, "auditing_capture row",
												  ALLOCSET_DEFAULT_SIZES);
	StringInfoData images;
	Datum		values[CAPTURE_ARGS];
	char		nulls[CAPTURE_ARGS];
	int			pointer = rows_rewind(rows);
	int			count = 0;
	bool		more;

	initStringInfo(&images);
	fill_common(values, nulls, td, action, c);
	nulls[deleted ? 10 : 9] = 'n';
	do
	{
		more = rows_next(rows, pointer, slot);
		if (more)
		{
			MemoryContext caller = MemoryContextSwitchTo(row_cxt);

			appendStringInfoString(&images, count == 0 ? "[" : ", ");
			append_image(&images, slot, h, NULL);
			MemoryContextSwitchTo(caller);
			MemoryContextReset(row_cxt);
			count++;
		}
		if (count > 0 && (!more || count == CHUNK_ROWS))
		{
			appendStringInfoChar(&images, ']');
			values[deleted ? 9 : 10] = PointerGetDatum(cstring_to_text_with_len(images.data,
																				images.len));
			values[11] = Int32GetDatum(count);
			nulls[11] = count == 1 ? 'n' : ' ';
			insert_capture(count == 1 ? &one_row_plan : &images_plan, values, nulls);
			resetStringInfo(&images);
			count = 0;
		}
	} while (more);

	tuplestore_select_read_pointer(rows, 0);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(row_cxt);
}

/* How one column of an UPDATE of several rows is compared and written. */
typedef struct DiffColumn
{
	int			index;			/* in the tuple descriptor */
	bool		by_text;		/* no '=' for the type: compare o::text, n::text */
	bool		hidden;			/* sensitive: a change is written as withheld */
	Oid			collation;
	FmgrInfo	eq;
	FmgrInfo	out;
	FmgrInfo	to_json;		/* to_json(anyelement), bound to this column's type */
	char	   *key;			/* "name":[ */
} DiffColumn;

/* value::text is the type's output text (no cast function of its own, as bool or inet have). */
static bool
text_is_output(Oid type)
{
	Oid			cast;
	CoercionPathType path = find_coercion_pathway(TEXTOID, type, COERCION_EXPLICIT, &cast);

	return path == COERCION_PATH_RELABELTYPE || path == COERCION_PATH_COERCEVIAIO;
}

/*
 * How to compare each column, as auditing_capture_rows() does: with the type's '=' operator
 * (IS DISTINCT FROM), else as text. False for what is left to it: a column whose type has
 * neither (its text is not its output), a nondeterministic collation, a key column whose
 * text is not its output, or no key column at all.
 */
static bool
diff_columns(TriggerData *td, Hidden *h, DiffColumn *cols, int *ncols, int *key)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	List	   *eq_name = list_make1(makeString("="));
	int			i;

	*ncols = 0;
	*key = -1;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);
		DiffColumn *col = &cols[*ncols];
		Oid			eq_opr;
		Oid			out_func;
		bool		varlena;
		StringInfoData key_text;
		FuncExpr   *call;

		if (attr->attisdropped)
			continue;
		eq_opr = OpernameGetOprid(eq_name, attr->atttypid, attr->atttypid);
		col->by_text = !OidIsValid(eq_opr);
		if (col->by_text && !text_is_output(attr->atttypid))
			return false;
		if (OidIsValid(attr->attcollation) && !get_collation_isdeterministic(attr->attcollation))
			return false;
		col->index = i;
		col->hidden = is_hidden(h, NameStr(attr->attname));
		col->collation = attr->attcollation;
		if (!col->by_text)
			fmgr_info(get_opcode(eq_opr), &col->eq);
		getTypeOutputInfo(attr->atttypid, &out_func, &varlena);
		fmgr_info(out_func, &col->out);
		call = makeFuncExpr(F_TO_JSON, JSONOID,
							list_make1(makeNullConst(attr->atttypid, attr->atttypmod,
													 attr->attcollation)),
							InvalidOid, attr->attcollation, COERCE_EXPLICIT_CALL);
		fmgr_info(F_TO_JSON, &col->to_json);
		fmgr_info_set_expr((Node *) call, &col->to_json);
		initStringInfo(&key_text);
		escape_json(&key_text, NameStr(attr->attname));
		appendStringInfoString(&key_text, ":[");
		col->key = key_text.data;
		if (strcmp(NameStr(attr->attname), td->tg_trigger->tgargs[0]) == 0)
		{
			if (!text_is_output(attr->atttypid))
				return false;
			*key = *ncols;
		}
		(*ncols)++;
	}
	return *key >= 0;
}

static void
append_value_json(StringInfo buf, DiffColumn *col, Datum value, bool isnull)
{
	if (isnull)
		appendStringInfoString(buf, "null");
	else
	{
		text	   *json = DatumGetTextPP(FunctionCall1(&col->to_json, value));

		appendBinaryStringInfo(buf, VARDATA_ANY(json), VARSIZE_ANY_EXHDR(json));
	}
}

static bool
column_changed(DiffColumn *col, TupleTableSlot *old_row, TupleTableSlot *new_row)
{
	bool		old_null = old_row->tts_isnull[col->index];
	bool		new_null = new_row->tts_isnull[col->index];
	Datum		o = old_row->tts_values[col->index];
	Datum		n = new_row->tts_values[col->index];

	if (old_null || new_null)
		return old_null != new_null;
	if (col->by_text)
		return strcmp(OutputFunctionCall(&col->out, o), OutputFunctionCall(&col->out, n)) != 0;
	return !DatumGetBool(FunctionCall2Coll(&col->eq, col->collation, o, n));
}

/*
 * UPDATE of several rows: per CHUNK_ROWS rows, the changed rows' keys and {column: [old,
 * new]} of what changed, the text auditing_capture_rows() writes. Rows left as they were are
 * not captured; a chunk with no changed row writes nothing.
 */
static void
capture_changes(TriggerData *td, AuditContext *c, DiffColumn *cols, int ncols, int key)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	TupleTableSlot *old_row = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	TupleTableSlot *new_row = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	MemoryContext row_cxt = AllocSetContextCreate(CurrentMemoryContext, "auditing_capture row",
												  ALLOCSET_DEFAULT_SIZES);
	int			old_pointer = rows_rewind(td->tg_oldtable);
	int			new_pointer = rows_rewind(td->tg_newtable);
	ArrayBuildState *keys = NULL;
	StringInfoData changes;
	StringInfoData diff;
	Datum		values[CAPTURE_ARGS];
	char		nulls[CAPTURE_ARGS];
	int			seen = 0;
	int			changed = 0;
	bool		more;
	int			i;

	initStringInfo(&changes);
	initStringInfo(&diff);
	fill_common(values, nulls, td, "update", c);
	do
	{
		more = rows_next(td->tg_newtable, new_pointer, new_row);
		if (more)
		{
			MemoryContext caller;

			if (!rows_next(td->tg_oldtable, old_pointer, old_row))
				elog(ERROR, "auditing_capture: old and new rows do not pair up");
			slot_getallattrs(old_row);
			slot_getallattrs(new_row);
			caller = MemoryContextSwitchTo(row_cxt);
			resetStringInfo(&diff);
			for (i = 0; i < ncols; i++)
			{
				DiffColumn *col = &cols[i];

				if (!column_changed(col, old_row, new_row))
					continue;
				appendStringInfoChar(&diff, diff.len == 0 ? '{' : ',');
				appendStringInfoString(&diff, col->key);
				if (col->hidden)
				{
					appendStringInfoString(&diff, "\"[withheld]\",\"[withheld]\"]");
					continue;
				}
				append_value_json(&diff, col, old_row->tts_values[col->index],
								  old_row->tts_isnull[col->index]);
				appendStringInfoChar(&diff, ',');
				append_value_json(&diff, col, new_row->tts_values[col->index],
								  new_row->tts_isnull[col->index]);
				appendStringInfoChar(&diff, ']');
			}
			MemoryContextSwitchTo(caller);
			if (diff.len > 0)
			{
				/* The key as text: n.<key>::text (a NULL key is an empty text in no row). */
				char	   *pk = new_row->tts_isnull[cols[key].index] ? NULL :
					OutputFunctionCall(&cols[key].out, new_row->tts_values[cols[key].index]);

				appendStringInfoChar(&changes, changed == 0 ? '[' : ',');
				appendBinaryStringInfo(&changes, diff.data, diff.len);
				appendStringInfoChar(&changes, '}');
				keys = accumArrayResult(keys, pk ? CStringGetTextDatum(pk) : (Datum) 0,
										pk == NULL, TEXTOID, CurrentMemoryContext);
				changed++;
			}
			MemoryContextReset(row_cxt);
			seen++;
		}
		if (seen > 0 && (!more || seen == CHUNK_ROWS))
		{
			if (changed > 0)
			{
				appendStringInfoChar(&changes, ']');
				values[9] = Int32GetDatum(changed);
				values[10] = makeArrayResult(keys, CurrentMemoryContext);
				values[11] = PointerGetDatum(cstring_to_text_with_len(changes.data, changes.len));
				insert_capture(&changes_plan, values, nulls);
			}
			resetStringInfo(&changes);
			keys = NULL;
			seen = changed = 0;
		}
	} while (more);

	tuplestore_select_read_pointer(td->tg_oldtable, 0);
	tuplestore_select_read_pointer(td->tg_newtable, 0);
	ExecDropSingleTupleTableSlot(old_row);
	ExecDropSingleTupleTableSlot(new_row);
	MemoryContextDelete(row_cxt);
}

Datum
auditing_capture(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	Tuplestorestate *counted;
	AuditContext c;
	Hidden		h;
	const char *action;
	int64		rows;
	DiffColumn *cols = NULL;
	int			ncols = 0;
	int			key = -1;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "auditing_capture: not called as a trigger");
	trigger = td->tg_trigger;
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event)
		|| trigger->tgnargs != 2)
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
	if (!read_context(&c) || !read_hidden(td, &h))
		return capture_rows(fcinfo);
	rows = tuplestore_tuple_count(counted);
	if (rows == 0)
		return PointerGetDatum(NULL);
	if (rows > 1 && action[0] == 'u')
	{
		cols = palloc(sizeof(DiffColumn) * RelationGetDescr(td->tg_relation)->natts);
		if (!diff_columns(td, &h, cols, &ncols, &key))
			return capture_rows(fcinfo);
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "auditing_capture: SPI_connect failed");
	if (cols != NULL)
		capture_changes(td, &c, cols, ncols, key);
	else if (action[0] == 'u')
		capture_one_update(td, &c, &h);
	else
		capture_images(td, action, &c, &h);
	SPI_finish();
	return PointerGetDatum(NULL);
}
