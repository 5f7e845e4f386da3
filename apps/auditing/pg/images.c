/*
 * shop_audit: captures of row images (one row; INSERT / DELETE of several) and the table's
 * sensitive columns.
 */
#include "shop_audit.h"

static CapturePlan one_row_plan = {
	INBOX_INSERT "old_rows, new_rows, withheld" COMMON_VALUES
	"ARRAY[nextval('auditing_auditevent_id_seq')], $10, $11, $12)",
	12, {COMMON_TYPES, JSONOID, JSONOID, TEXTARRAYOID}, NULL
};
static CapturePlan images_plan = {
	INBOX_INSERT "old_rows, new_rows" COMMON_VALUES IDS("$12") ", $10, $11)",
	12, {COMMON_TYPES, JSONOID, JSONOID, INT4OID}, NULL
};

/* TG_ARGV[1]::text[]; false (left to PL/pgSQL) when it holds a NULL. */
bool
audit_read_hidden(TriggerData *td, Hidden *h)
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

bool
audit_is_hidden(Hidden *h, const char *name)
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
void
audit_capture_one_update(TriggerData *td, AuditContext *c, Hidden *h)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation),
													&TTSOpsMinimalTuple);
	Tuplestorestate *tables[2] = {td->tg_oldtable, td->tg_newtable};
	Jsonb	   *rows[2] = {NULL, NULL};
	Datum		values[CAPTURE_ARGS];
	char		nulls[CAPTURE_ARGS];
	bool		none_withheld = true;
	int			i;

	audit_fill_common(values, nulls, td, "update", c);
	for (i = 0; i < 2; i++)
	{
		StringInfoData image;

		initStringInfo(&image);
		if (!audit_rows_next(tables[i], audit_rows_rewind(tables[i]), slot))
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
	audit_insert(&one_row_plan, values, nulls);
}

/*
 * INSERT / DELETE: the rows' images, one JSON array per CHUNK_ROWS rows, the text
 * json_agg(row_to_json(r)) gives: "[" r1 ", " r2 ... "]".
 */
void
audit_capture_images(TriggerData *td, const char *action, AuditContext *c, Hidden *h)
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
	int			pointer = audit_rows_rewind(rows);
	int			count = 0;
	bool		more;

	initStringInfo(&images);
	audit_fill_common(values, nulls, td, action, c);
	nulls[deleted ? 10 : 9] = 'n';
	do
	{
		more = audit_rows_next(rows, pointer, slot);
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
			/* $12: the row count of images_plan; one_row_plan's withheld, NULL here. */
			values[11] = Int32GetDatum(count);
			nulls[11] = count == 1 ? 'n' : ' ';
			audit_insert(count == 1 ? &one_row_plan : &images_plan, values, nulls);
			resetStringInfo(&images);
			count = 0;
		}
	} while (more);

	tuplestore_select_read_pointer(rows, 0);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(row_cxt);
}
