/*
 * shop_audit: an UPDATE of several rows, captured as the changed rows' keys and what changed.
 */
#include "shop_audit.h"

static CapturePlan changes_plan = {
	INBOX_INSERT "row_pks, changes" COMMON_VALUES IDS("$10") ", $11, $12)",
	12, {COMMON_TYPES, INT4OID, TEXTARRAYOID, TEXTOID}, NULL
};

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
		col->hidden = audit_is_hidden(h, NameStr(attr->attname));
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

/* The columns of an UPDATE of several rows and its key column, or NULL: left to PL/pgSQL. */
struct DiffPlan
{
	DiffColumn *cols;
	int			ncols;
	int			key;
};

DiffPlan *
audit_diff_plan(TriggerData *td, Hidden *h)
{
	DiffPlan   *plan = palloc(sizeof(DiffPlan));

	plan->cols = palloc(sizeof(DiffColumn) * RelationGetDescr(td->tg_relation)->natts);
	if (!diff_columns(td, h, plan->cols, &plan->ncols, &plan->key))
		return NULL;
	return plan;
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
void
audit_capture_changes(TriggerData *td, AuditContext *c, DiffPlan *plan)
{
	DiffColumn *cols = plan->cols;
	int			ncols = plan->ncols;
	int			key = plan->key;
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	TupleTableSlot *old_row = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	TupleTableSlot *new_row = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	MemoryContext row_cxt = AllocSetContextCreate(CurrentMemoryContext, "auditing_capture row",
												  ALLOCSET_DEFAULT_SIZES);
	int			old_pointer = audit_rows_rewind(td->tg_oldtable);
	int			new_pointer = audit_rows_rewind(td->tg_newtable);
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
	audit_fill_common(values, nulls, td, "update", c);
	do
	{
		more = audit_rows_next(td->tg_newtable, new_pointer, new_row);
		if (more)
		{
			MemoryContext caller;

			if (!audit_rows_next(td->tg_oldtable, old_pointer, old_row))
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
				audit_insert(&changes_plan, values, nulls);
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
