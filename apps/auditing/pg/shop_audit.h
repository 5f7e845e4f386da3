/*
 * shop_audit: what the files of the audit capture share (see shop_audit.c).
 */
#ifndef SHOP_AUDIT_H
#define SHOP_AUDIT_H

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

/* Rows per capture, as in auditing_capture_rows(): a bigger statement writes several. */
#define CHUNK_ROWS 50000

/*
 * The inbox INSERTs, each prepared once per connection and kept across transactions: one
 * row's images and several rows' images (images.c), several rows' changes (changes.c). $1-$9
 * are the same in all three (audit_fill_common), the rest is their own.
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

/* shop_audit.c */
extern void audit_insert(CapturePlan *cp, Datum *values, const char *nulls);
extern void audit_fill_common(Datum *values, char *nulls, TriggerData *td, const char *action,
							  AuditContext *c);
extern int	audit_rows_rewind(Tuplestorestate *rows);
extern bool audit_rows_next(Tuplestorestate *rows, int pointer, TupleTableSlot *slot);

/* context.c */
extern bool audit_read_context(AuditContext *c);

/* images.c */
extern bool audit_read_hidden(TriggerData *td, Hidden *h);
extern bool audit_is_hidden(Hidden *h, const char *name);
extern void audit_capture_one_update(TriggerData *td, AuditContext *c, Hidden *h);
extern void audit_capture_images(TriggerData *td, const char *action, AuditContext *c, Hidden *h);

/* changes.c */
typedef struct DiffPlan DiffPlan;
extern DiffPlan *audit_diff_plan(TriggerData *td, Hidden *h);
extern void audit_capture_changes(TriggerData *td, AuditContext *c, DiffPlan *plan);

#endif							/* SHOP_AUDIT_H */
