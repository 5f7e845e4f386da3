/*
 * shop_audit: the audit capture trigger, in C (this file: the entry point).
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
 * Files: shop_audit.c (the entry point and what the others share), context.c (the audit
 * context), images.c (row images, sensitive columns), changes.c (an UPDATE of several rows).
 * Built by scripts/pg.sh into .local/lib; migration auditing.0006 installs it when the server
 * can load it and keeps the PL/pgSQL function otherwise.
 */
#include "shop_audit.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(auditing_capture);

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

/* Run one of the inbox INSERTs (inside SPI_connect / SPI_finish). */
void
audit_insert(CapturePlan *cp, Datum *values, const char *nulls)
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
void
audit_fill_common(Datum *values, char *nulls, TriggerData *td, const char *action, AuditContext *c)
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
int
audit_rows_rewind(Tuplestorestate *rows)
{
	int			pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);

	tuplestore_select_read_pointer(rows, pointer);
	tuplestore_rescan(rows);
	return pointer;
}

bool
audit_rows_next(Tuplestorestate *rows, int pointer, TupleTableSlot *slot)
{
	tuplestore_select_read_pointer(rows, pointer);
	return tuplestore_gettupleslot(rows, true, false, slot);
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
	DiffPlan   *changes = NULL;

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
	if (!audit_read_context(&c) || !audit_read_hidden(td, &h))
		return capture_rows(fcinfo);
	rows = tuplestore_tuple_count(counted);
	if (rows == 0)
		return PointerGetDatum(NULL);
	if (rows > 1 && action[0] == 'u')
	{
		changes = audit_diff_plan(td, &h);
		if (changes == NULL)
			return capture_rows(fcinfo);
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "auditing_capture: SPI_connect failed");
	if (changes != NULL)
		audit_capture_changes(td, &c, changes);
	else if (action[0] == 'u')
		audit_capture_one_update(td, &c, &h);
	else
		audit_capture_images(td, action, &c, &h);
	SPI_finish();
	return PointerGetDatum(NULL);
}
