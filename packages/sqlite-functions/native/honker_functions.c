/*
 * honker's SQL functions (docs/compatibility.md section 2) as a SQLite loadable extension, for the app's
 * own better-sqlite3 connection: `notify` and the `honker_*` functions, with honker's names,
 * argument order and return shapes.
 *
 * Why C: a function registered from JavaScript cannot run statements on its own connection while
 * the calling statement runs (better-sqlite3 refuses: "connection is busy"). Here every function
 * runs its statements on the calling connection (sqlite3_context_db_handle), so it joins whatever
 * transaction the caller is in, including the one a trigger fires in.
 *
 * One implementation: no SQL text of the features lives in this file. Every statement comes from
 * @honker/core's constants through generated/honker_sql.h and is bound by parameter name, and the
 * orchestration mirrors core's operations (named in each function's comment). Two things stay in
 * TypeScript and are reached through SQL on the same connection, registered by registerFunctions():
 * `honker_cron_next_after` (core's cron) and `honker_now()` (core's clock; without it, time(NULL)).
 *
 * Functions that run more than one write wrap them in a SAVEPOINT: in autocommit mode SQLite
 * commits each nested statement when it finishes, so without one a claim could dead-letter rows
 * and then fail to claim, half done.
 */
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "generated/honker_sql.h"

/* ------------------------------------------------------------------------------------------------
 * One call: its context, connection and arguments. The first error is reported; later steps of a
 * failed call do nothing, so each function reads straight through and checks `failed` where it
 * matters.
 */
typedef struct hk_call {
  sqlite3_context *ctx;
  sqlite3 *db;
  const char *fn;
  sqlite3_value **argv;
  int failed;
} hk_call;

static hk_call hk_start(sqlite3_context *ctx, sqlite3_value **argv) {
  hk_call call;
  call.ctx = ctx;
  call.db = sqlite3_context_db_handle(ctx);
  call.fn = (const char *)sqlite3_user_data(ctx);
  call.argv = argv;
  call.failed = 0;
  return call;
}

static void hk_fail(hk_call *c, int code, const char *format, ...) {
  va_list ap;
  char *message;
  if (c->failed) return;
  c->failed = 1;
  va_start(ap, format);
  message = sqlite3_vmprintf(format, ap);
  va_end(ap);
  if (message == NULL) {
    sqlite3_result_error_nomem(c->ctx);
    return;
  }
  sqlite3_result_error(c->ctx, message, -1);
  sqlite3_free(message);
  if (code != SQLITE_ERROR) sqlite3_result_error_code(c->ctx, code);
}

/* Report the connection's last error, keeping its code (SQLITE_BUSY stays SQLITE_BUSY). */
static void hk_fail_db(hk_call *c, int rc) {
  const char *message = sqlite3_errmsg(c->db);
  hk_fail(c, rc == SQLITE_OK ? SQLITE_ERROR : rc, "%s", message ? message : sqlite3_errstr(rc));
}

/* ------------------------------------------------------------------------------------------------
 * Arguments, typed strictly like honker's (rusqlite): TEXT must be TEXT and INTEGER must be INTEGER.
 * One allowance, as honker's own Node binding makes: a whole REAL counts as an integer, because
 * better-sqlite3 binds every JavaScript number as REAL. 1.5 is still an error.
 */
static const char *hk_type_name(int type) {
  switch (type) {
    case SQLITE_INTEGER: return "INTEGER";
    case SQLITE_FLOAT: return "REAL";
    case SQLITE_TEXT: return "TEXT";
    case SQLITE_BLOB: return "BLOB";
    default: return "NULL";
  }
}

/* TEXT argument i; NULL is accepted (returning NULL) only when `nullable`. */
static const char *hk_text_arg(hk_call *c, int i, const char *name, int nullable) {
  sqlite3_value *value = c->argv[i];
  int type = sqlite3_value_type(value);
  if (type == SQLITE_NULL && nullable) return NULL;
  if (type != SQLITE_TEXT) {
    hk_fail(c, SQLITE_MISMATCH, "%s: argument %d (%s) must be TEXT%s, got %s", c->fn, i + 1, name,
            nullable ? " or NULL" : "", hk_type_name(type));
    return NULL;
  }
  return (const char *)sqlite3_value_text(value);
}

/* INTEGER argument i; returns 0 when it is NULL (allowed only when `nullable`), 1 when present. */
static int hk_int_arg_or_null(hk_call *c, int i, const char *name, int nullable, sqlite3_int64 *out) {
  sqlite3_value *value = c->argv[i];
  int type = sqlite3_value_type(value);
  *out = 0;
  if (type == SQLITE_INTEGER) {
    *out = sqlite3_value_int64(value);
    return 1;
  }
  if (type == SQLITE_FLOAT) {
    double d = sqlite3_value_double(value);
    /* 2^63 bounds: the whole doubles that fit an int64. */
    if (isfinite(d) && d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      *out = (sqlite3_int64)d;
      return 1;
    }
    hk_fail(c, SQLITE_MISMATCH, "%s: argument %d (%s) must be a whole number, got %!.17g", c->fn, i + 1, name, d);
    return 0;
  }
  if (type == SQLITE_NULL && nullable) return 0;
  hk_fail(c, SQLITE_MISMATCH, "%s: argument %d (%s) must be INTEGER%s, got %s", c->fn, i + 1, name,
          nullable ? " or NULL" : "", hk_type_name(type));
  return 0;
}

static sqlite3_int64 hk_int_arg(hk_call *c, int i, const char *name) {
  sqlite3_int64 value;
  hk_int_arg_or_null(c, i, name, 0, &value);
  return value;
}

/* now + seconds, failing the call instead of overflowing (signed overflow is undefined in C). */
static sqlite3_int64 hk_plus(hk_call *c, sqlite3_int64 now, sqlite3_int64 seconds, const char *name) {
  const sqlite3_int64 max = (sqlite3_int64)(((sqlite3_uint64)1 << 63) - 1), min = -max - 1;
  if ((seconds > 0 && now > max - seconds) || (seconds < 0 && now < min - seconds)) {
    hk_fail(c, SQLITE_RANGE, "%s: %s out of range: %lld", c->fn, name, seconds);
    return now;
  }
  return now + seconds;
}

/* ------------------------------------------------------------------------------------------------
 * Statements: core's text, each position bound by its parameter name, as core's statement().bind()
 * does. A name missing from `params` is taken from the same-named column of `row` (a row being moved,
 * like core's deadParams() copying a RETURNING row into INSERT_DEAD).
 */
enum { HK_INT, HK_TEXT, HK_NULL };

typedef struct hk_param {
  const char *name;
  int kind;
  sqlite3_int64 i;
  const char *s;
} hk_param;

static hk_param hk_int(const char *name, sqlite3_int64 value) {
  hk_param p = { name, HK_INT, value, NULL };
  return p;
}

/* NULL text binds SQL NULL (a nullable argument passed through). */
static hk_param hk_text(const char *name, const char *value) {
  hk_param p = { name, value == NULL ? HK_NULL : HK_TEXT, 0, value };
  return p;
}

static hk_param hk_opt_int(const char *name, int present, sqlite3_int64 value) {
  hk_param p = { name, present ? HK_INT : HK_NULL, value, NULL };
  return p;
}

#define HK_COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static int hk_column_index(sqlite3_stmt *row, const char *name) {
  int i, n = sqlite3_column_count(row);
  for (i = 0; i < n; i++) {
    const char *column = sqlite3_column_name(row, i);
    if (column != NULL && strcmp(column, name) == 0) return i;
  }
  return -1;
}

/* Prepared and bound, or NULL after reporting the error. */
static sqlite3_stmt *hk_prepare(hk_call *c, const hk_statement *def, const hk_param *params, int n_params, sqlite3_stmt *row) {
  sqlite3_stmt *stmt = NULL;
  int position, rc;
  if (c->failed) return NULL;
  rc = sqlite3_prepare_v2(c->db, def->text, -1, &stmt, NULL);
  if (rc != SQLITE_OK) {
    hk_fail_db(c, rc);
    return NULL;
  }
  for (position = 0; position < def->n_params && rc == SQLITE_OK; position++) {
    const char *name = def->params[position];
    int k, found = 0;
    for (k = 0; k < n_params && !found; k++) {
      const hk_param *p = &params[k];
      if (strcmp(p->name, name) != 0) continue;
      found = 1;
      if (p->kind == HK_INT) rc = sqlite3_bind_int64(stmt, position + 1, p->i);
      else if (p->kind == HK_TEXT) rc = sqlite3_bind_text(stmt, position + 1, p->s, -1, SQLITE_TRANSIENT);
      else rc = sqlite3_bind_null(stmt, position + 1);
    }
    if (!found && row != NULL) {
      int column = hk_column_index(row, name);
      if (column >= 0) {
        found = 1;
        rc = sqlite3_bind_value(stmt, position + 1, sqlite3_column_value(row, column));
      }
    }
    if (!found) {
      sqlite3_finalize(stmt);
      hk_fail(c, SQLITE_INTERNAL, "%s: no value for parameter :%s of statement %s", c->fn, name, def->name);
      return NULL;
    }
  }
  if (rc != SQLITE_OK) {
    hk_fail_db(c, rc);
    sqlite3_finalize(stmt);
    return NULL;
  }
  return stmt;
}

/* SQLITE_ROW or SQLITE_DONE; anything else is reported (and returned). */
static int hk_step(hk_call *c, sqlite3_stmt *stmt) {
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) hk_fail_db(c, rc);
  return rc;
}

/* Run a statement to the end; its change count, or -1 after an error. */
static sqlite3_int64 hk_run(hk_call *c, const hk_statement *def, const hk_param *params, int n_params, sqlite3_stmt *row) {
  sqlite3_stmt *stmt = hk_prepare(c, def, params, n_params, row);
  int rc;
  if (stmt == NULL) return -1;
  while ((rc = hk_step(c, stmt)) == SQLITE_ROW) {
  }
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE ? sqlite3_changes64(c->db) : -1;
}

/* The first column of the first row as an integer; `fallback` when there is no row or it is NULL. */
static sqlite3_int64 hk_scalar_int(hk_call *c, const hk_statement *def, const hk_param *params, int n_params, sqlite3_int64 fallback) {
  sqlite3_stmt *stmt = hk_prepare(c, def, params, n_params, NULL);
  sqlite3_int64 value = fallback;
  if (stmt == NULL) return fallback;
  if (hk_step(c, stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

static int hk_exec(hk_call *c, const char *sql) {
  int rc;
  if (c->failed) return SQLITE_ERROR;
  rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) hk_fail_db(c, rc);
  return rc;
}

/*
 * Multi-statement functions run inside their own savepoint: atomic in autocommit mode, and nested
 * (released into the caller's transaction) when one is open, like core's host.write(). SQLite
 * refuses to open a savepoint while a write statement is running ("SQL statements in progress":
 * the function was called from a trigger, or from INSERT ... SELECT / UPDATE ... SET). Then no
 * savepoint is needed: everything the function writes is part of that statement, and an error
 * aborts the statement and undoes it all.
 */
static int hk_begin(hk_call *c) {
  int rc;
  if (c->failed) return 0;
  rc = sqlite3_exec(c->db, "SAVEPOINT honker_function", NULL, NULL, NULL);
  if (rc == SQLITE_OK) return 1;
  if (rc != SQLITE_BUSY) hk_fail_db(c, rc);
  return 0;
}

static void hk_end(hk_call *c, int savepoint) {
  if (!savepoint) return;
  if (!c->failed) {
    hk_exec(c, "RELEASE honker_function");
    if (!c->failed) return;
  }
  /* Undo this call's writes only; the caller's own transaction, if any, decides the rest. */
  sqlite3_exec(c->db, "ROLLBACK TO honker_function", NULL, NULL, NULL);
  sqlite3_exec(c->db, "RELEASE honker_function", NULL, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------------
 * TypeScript helpers reached through SQL (registered by registerFunctions).
 */

/* Whole unix seconds from core's clock (`honker_now()`), or time(NULL) when the extension was
 * loaded on its own. */
static sqlite3_int64 hk_now(hk_call *c) {
  sqlite3_stmt *stmt = NULL;
  sqlite3_int64 now = (sqlite3_int64)time(NULL);
  if (c->failed) return now;
  if (sqlite3_prepare_v2(c->db, "SELECT honker_now()", -1, &stmt, NULL) != SQLITE_OK) return now;
  if (hk_step(c, stmt) == SQLITE_ROW) now = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return now;
}

/* core's nextAfter(expr, from), validating expr; an invalid one fails the call with core's error. */
static sqlite3_int64 hk_cron_next_after(hk_call *c, const char *expr, sqlite3_int64 from) {
  sqlite3_stmt *stmt = NULL;
  sqlite3_int64 next = 0;
  int rc;
  if (c->failed) return 0;
  rc = sqlite3_prepare_v2(c->db, "SELECT honker_cron_next_after(?, ?)", -1, &stmt, NULL);
  if (rc != SQLITE_OK) {
    hk_fail(c, SQLITE_ERROR, "%s: honker_cron_next_after is not registered on this connection "
            "(load the extension with registerFunctions() from @honker/sqlite-functions): %s", c->fn, sqlite3_errmsg(c->db));
    return 0;
  }
  sqlite3_bind_text(stmt, 1, expr, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, from);
  if (hk_step(c, stmt) == SQLITE_ROW) next = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return next;
}

/* ------------------------------------------------------------------------------------------------
 * JSON text results, as honker's serde_json writes them: keys in byte order, payloads as the
 * stored JSON text inside a JSON string (double-encoded), '/' and non-ASCII left as they are.
 */
static void hk_json_string(sqlite3_str *out, const char *s) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  sqlite3_str_appendchar(out, 1, '"');
  for (; *p; p++) {
    switch (*p) {
      case '"': sqlite3_str_appendall(out, "\\\""); break;
      case '\\': sqlite3_str_appendall(out, "\\\\"); break;
      case '\n': sqlite3_str_appendall(out, "\\n"); break;
      case '\r': sqlite3_str_appendall(out, "\\r"); break;
      case '\t': sqlite3_str_appendall(out, "\\t"); break;
      case '\b': sqlite3_str_appendall(out, "\\b"); break;
      case '\f': sqlite3_str_appendall(out, "\\f"); break;
      default:
        if (*p < 0x20) {
          char escape[7] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15], 0 };
          sqlite3_str_appendall(out, escape);
        } else {
          sqlite3_str_appendchar(out, 1, (char)*p);
        }
    }
  }
  sqlite3_str_appendchar(out, 1, '"');
}

static void hk_json_column(sqlite3_str *out, sqlite3_stmt *row, int column, int as_bool) {
  switch (sqlite3_column_type(row, column)) {
    case SQLITE_NULL: sqlite3_str_appendall(out, "null"); break;
    case SQLITE_INTEGER:
      if (as_bool) sqlite3_str_appendall(out, sqlite3_column_int64(row, column) ? "true" : "false");
      else sqlite3_str_appendf(out, "%lld", sqlite3_column_int64(row, column));
      break;
    case SQLITE_FLOAT: sqlite3_str_appendf(out, "%!.17g", sqlite3_column_double(row, column)); break;
    default: hk_json_string(out, (const char *)sqlite3_column_text(row, column));
  }
}

/* {"key": column, ...} for the given columns (already in byte order); a key written "?name" is a
 * JSON boolean (the scheduler's `enabled`). */
static void hk_json_row(sqlite3_str *out, sqlite3_stmt *row, const char *const *keys, int n_keys) {
  int k;
  sqlite3_str_appendchar(out, 1, '{');
  for (k = 0; k < n_keys; k++) {
    int as_bool = keys[k][0] == '?';
    const char *key = keys[k] + as_bool;
    if (k > 0) sqlite3_str_appendchar(out, 1, ',');
    hk_json_string(out, key);
    sqlite3_str_appendchar(out, 1, ':');
    hk_json_column(out, row, hk_column_index(row, key), as_bool);
  }
  sqlite3_str_appendchar(out, 1, '}');
}

/* Hand a built JSON text to SQLite as the result (or report the allocation failure). */
static void hk_result_str(hk_call *c, sqlite3_str *out) {
  int rc = sqlite3_str_errcode(out);
  char *text = sqlite3_str_finish(out);
  if (c->failed) {
    sqlite3_free(text);
    return;
  }
  if (rc != SQLITE_OK) {
    sqlite3_free(text);
    sqlite3_result_error_nomem(c->ctx);
    return;
  }
  /* Nothing appended (get_job's miss): honker's empty string, not NULL. */
  if (text == NULL) sqlite3_result_text(c->ctx, "", 0, SQLITE_STATIC);
  else sqlite3_result_text(c->ctx, text, -1, sqlite3_free);
}

/* ------------------------------------------------------------------------------------------------
 * 2.1 notify and 2.2 bootstrap
 */

/* notify(channel, payload) -> id. core: notifyWith() */
static void fn_notify(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  const char *channel = hk_text_arg(&c, 0, "channel", 0);
  const char *payload = hk_text_arg(&c, 1, "payload", 0);
  hk_param p[3];
  sqlite3_int64 id;
  (void)argc;
  p[0] = hk_text("channel", channel);
  p[1] = hk_text("payload", payload);
  p[2] = hk_int("now", hk_now(&c));
  id = hk_scalar_int(&c, &HK_INSERT_NOTIFICATION, p, 3, 0);
  if (!c.failed) sqlite3_result_int64(ctx, id);
}

/*
 * honker_bootstrap() -> 1: core's schema, by core's migrations and ledger (schema/migrate.ts), so a
 * file bootstrapped in SQL is one core's open() finds up to date. The ledger bookkeeping and the
 * legacy-column check below are migrate.ts's, which has no statement constants to share.
 */
static void hk_add_legacy_scheduler_columns(hk_call *c) {
  sqlite3_stmt *stmt = NULL;
  int has_enabled = 0, has_max_attempts = 0, rc;
  if (c->failed) return;
  rc = sqlite3_prepare_v2(c->db, "SELECT name FROM pragma_table_info('_honker_scheduler_tasks')", -1, &stmt, NULL);
  if (rc != SQLITE_OK) {
    hk_fail_db(c, rc);
    return;
  }
  while (hk_step(c, stmt) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(stmt, 0);
    if (name != NULL && strcmp(name, "enabled") == 0) has_enabled = 1;
    if (name != NULL && strcmp(name, "max_attempts") == 0) has_max_attempts = 1;
  }
  sqlite3_finalize(stmt);
  if (!has_enabled) hk_exec(c, "ALTER TABLE _honker_scheduler_tasks ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1");
  if (!has_max_attempts) hk_exec(c, "ALTER TABLE _honker_scheduler_tasks ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3");
}

/* The columns migration `version` adds, each only if missing, as core's migrate() does. */
static void hk_add_missing_columns(hk_call *c, int version) {
  int i;
  for (i = 0; i < HK_ADDED_COLUMN_COUNT && !c->failed; i++) {
    const hk_added_column *added = &HK_ADDED_COLUMNS[i];
    sqlite3_stmt *stmt = NULL;
    int exists, rc;
    if (added->version != version) continue;
    rc = sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
      hk_fail_db(c, rc);
      return;
    }
    sqlite3_bind_text(stmt, 1, added->table, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, added->column, -1, SQLITE_STATIC);
    exists = hk_step(c, stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    if (!exists && !c->failed) hk_exec(c, added->ddl);
  }
}

static void fn_bootstrap(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  int m;
  (void)argc;
  int savepoint = hk_begin(&c);
  hk_exec(&c, HK_LEDGER_DDL);
  for (m = 0; m < HK_MIGRATION_COUNT && !c.failed; m++) {
    const hk_migration *migration = &HK_MIGRATIONS[m];
    sqlite3_stmt *stmt = NULL;
    int applied = 0, rc;
    rc = sqlite3_prepare_v2(c.db, "SELECT 1 FROM " HK_MIGRATIONS_TABLE " WHERE version = ?", -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
      hk_fail_db(&c, rc);
      break;
    }
    sqlite3_bind_int(stmt, 1, migration->version);
    applied = hk_step(&c, stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    if (applied || c.failed) continue;
    hk_add_missing_columns(&c, migration->version);
    hk_exec(&c, migration->sql);
    if (migration->version == 1) hk_add_legacy_scheduler_columns(&c);
    if (c.failed) break;
    rc = sqlite3_prepare_v2(c.db, "INSERT INTO " HK_MIGRATIONS_TABLE " (version, name) VALUES (?, ?)", -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
      hk_fail_db(&c, rc);
      break;
    }
    sqlite3_bind_int(stmt, 1, migration->version);
    sqlite3_bind_text(stmt, 2, migration->name, -1, SQLITE_STATIC);
    hk_step(&c, stmt);
    sqlite3_finalize(stmt);
  }
  hk_end(&c, savepoint);
  if (!c.failed) sqlite3_result_int(ctx, 1);
}

/* ------------------------------------------------------------------------------------------------
 * 2.3 Queue
 */

/* honker_enqueue(queue, payload, run_at|NULL, delay|NULL, priority, max_attempts, expires|NULL) -> id.
 * core: enqueueParams() (delay wins over run_at) + INSERT_JOB. No validation, as honker. */
static void fn_enqueue(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  const char *queue = hk_text_arg(&c, 0, "queue", 0);
  const char *payload = hk_text_arg(&c, 1, "payload", 0);
  sqlite3_int64 run_at, delay, priority, max_attempts, expires, now, id;
  int has_run_at = hk_int_arg_or_null(&c, 2, "run_at", 1, &run_at);
  int has_delay = hk_int_arg_or_null(&c, 3, "delay", 1, &delay);
  int has_expires;
  hk_param p[7];
  (void)argc;
  priority = hk_int_arg(&c, 4, "priority");
  max_attempts = hk_int_arg(&c, 5, "max_attempts");
  has_expires = hk_int_arg_or_null(&c, 6, "expires", 1, &expires);
  now = hk_now(&c);
  p[0] = hk_text("queue", queue);
  p[1] = hk_text("payload", payload);
  p[2] = hk_int("priority", priority);
  p[3] = hk_int("run_at", has_delay ? hk_plus(&c, now, delay, "delay") : has_run_at ? run_at : now);
  p[4] = hk_int("max_attempts", max_attempts);
  p[5] = hk_int("now", now);
  p[6] = hk_opt_int("expires_at", has_expires, has_expires ? hk_plus(&c, now, expires, "expires") : 0);
  id = hk_scalar_int(&c, &HK_INSERT_JOB, p, 7, 0);
  if (!c.failed) sqlite3_result_int64(ctx, id);
}

/* Move the RETURNING rows of `take` (live job columns) to _honker_dead with `last_error`; the
 * number moved, or -1. core: the loops over INSERT_DEAD in claim.ts and complete.ts. */
static sqlite3_int64 hk_take_to_dead(hk_call *c, const hk_statement *take, const hk_param *params, int n_params,
                                     const char *last_error, sqlite3_int64 now) {
  sqlite3_stmt *rows = hk_prepare(c, take, params, n_params, NULL);
  sqlite3_int64 moved = 0;
  hk_param dead[2];
  dead[0] = hk_text("last_error", last_error);
  dead[1] = hk_int("now", now);
  if (rows == NULL) return -1;
  /* A RETURNING statement makes all its changes at the first step, so inserting between steps is safe. */
  while (hk_step(c, rows) == SQLITE_ROW) {
    if (hk_run(c, &HK_INSERT_DEAD, dead, 2, rows) < 0) break;
    moved++;
  }
  sqlite3_finalize(rows);
  return c->failed ? -1 : moved;
}

typedef struct hk_claimed {
  sqlite3_int64 priority, run_at, id;
  char *json;
} hk_claimed;

/* core's claimOrder(): priority DESC, run_at, id (RETURNING comes back in visiting order). */
static int hk_claim_order(const void *a, const void *b) {
  const hk_claimed *x = (const hk_claimed *)a, *y = (const hk_claimed *)b;
  if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
  if (x->run_at != y->run_at) return x->run_at < y->run_at ? -1 : 1;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return 0;
}

static const char *const CLAIM_KEYS[] = { "attempts", "claim_expires_at", "id", "payload", "queue", "worker_id" };

/* honker_claim_batch(queue, worker_id, n, visibility_timeout_s) -> JSON array.
 * core: claimRows() = TAKE_EXHAUSTED -> INSERT_DEAD('max attempts exceeded'), then CLAIM_JOBS. */
static void fn_claim_batch(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  const char *queue = hk_text_arg(&c, 0, "queue", 0);
  const char *worker_id = hk_text_arg(&c, 1, "worker_id", 0);
  sqlite3_int64 limit = hk_int_arg(&c, 2, "n");
  sqlite3_int64 timeout = hk_int_arg(&c, 3, "visibility_timeout_s");
  sqlite3_int64 now;
  hk_param take[2], claim[5];
  hk_claimed *claimed = NULL;
  int count = 0, capacity = 0, i;
  sqlite3_stmt *rows;
  sqlite3_str *out;
  (void)argc;
  now = hk_now(&c);
  int savepoint = hk_begin(&c);
  take[0] = hk_text("queue", queue);
  take[1] = hk_int("now", now);
  hk_take_to_dead(&c, &HK_TAKE_EXHAUSTED, take, 2, HK_MAX_ATTEMPTS_EXCEEDED, now);
  claim[0] = hk_text("worker_id", worker_id);
  claim[1] = hk_int("claim_expires_at", hk_plus(&c, now, timeout, "visibility_timeout_s"));
  claim[2] = hk_text("queue", queue);
  claim[3] = hk_int("now", now);
  claim[4] = hk_int("limit", limit);
  rows = hk_prepare(&c, &HK_CLAIM_JOBS, claim, 5, NULL);
  while (rows != NULL && hk_step(&c, rows) == SQLITE_ROW) {
    sqlite3_str *row = sqlite3_str_new(c.db);
    if (count == capacity) {
      hk_claimed *grown;
      capacity = capacity == 0 ? 8 : capacity * 2;
      grown = (hk_claimed *)sqlite3_realloc64(claimed, (sqlite3_uint64)capacity * sizeof(hk_claimed));
      if (grown == NULL) {
        sqlite3_free(sqlite3_str_finish(row));
        hk_fail(&c, SQLITE_NOMEM, "%s: out of memory", c.fn);
        break;
      }
      claimed = grown;
    }
    hk_json_row(row, rows, CLAIM_KEYS, HK_COUNT(CLAIM_KEYS));
    claimed[count].priority = sqlite3_column_int64(rows, hk_column_index(rows, "priority"));
    claimed[count].run_at = sqlite3_column_int64(rows, hk_column_index(rows, "run_at"));
    claimed[count].id = sqlite3_column_int64(rows, hk_column_index(rows, "id"));
    claimed[count].json = sqlite3_str_finish(row);
    if (claimed[count].json == NULL) {
      hk_fail(&c, SQLITE_NOMEM, "%s: out of memory", c.fn);
      break;
    }
    count++;
  }
  sqlite3_finalize(rows);
  hk_end(&c, savepoint);
  /* qsort with a NULL base is undefined even for 0 rows (UBSan, fuzz/fuzz.c). */
  if (count > 1) qsort(claimed, (size_t)count, sizeof(hk_claimed), hk_claim_order);
  out = sqlite3_str_new(c.db);
  sqlite3_str_appendchar(out, 1, '[');
  for (i = 0; i < count; i++) {
    if (i > 0) sqlite3_str_appendchar(out, 1, ',');
    sqlite3_str_appendall(out, claimed[i].json);
    sqlite3_free(claimed[i].json);
  }
  sqlite3_free(claimed);
  sqlite3_str_appendchar(out, 1, ']');
  hk_result_str(&c, out);
}

/* honker_ack(job_id, worker_id) -> 0|1. core: ack() */
static void fn_ack(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[3];
  sqlite3_int64 changes;
  (void)argc;
  p[0] = hk_int("id", hk_int_arg(&c, 0, "job_id"));
  p[1] = hk_text("worker_id", hk_text_arg(&c, 1, "worker_id", 0));
  p[2] = hk_int("now", hk_now(&c));
  changes = hk_run(&c, &HK_ACK_JOB, p, 3, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

/* honker_ack_batch(ids_json, worker_id) -> count. core: ackMany() */
static void fn_ack_batch(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[3];
  sqlite3_int64 changes;
  (void)argc;
  p[0] = hk_text("ids", hk_text_arg(&c, 0, "ids_json", 0));
  p[1] = hk_text("worker_id", hk_text_arg(&c, 1, "worker_id", 0));
  p[2] = hk_int("now", hk_now(&c));
  changes = hk_run(&c, &HK_ACK_JOBS, p, 3, NULL);
  if (!c.failed) sqlite3_result_int64(ctx, changes);
}

/* core: moveToDead() = TAKE_OWNED_JOB -> INSERT_DEAD(error). 1 if the job was owned. */
static int hk_move_owned_to_dead(hk_call *c, sqlite3_int64 id, const char *worker_id, sqlite3_int64 now, const char *error) {
  hk_param owned[3];
  owned[0] = hk_int("id", id);
  owned[1] = hk_text("worker_id", worker_id);
  owned[2] = hk_int("now", now);
  return hk_take_to_dead(c, &HK_TAKE_OWNED_JOB, owned, 3, error, now) == 1;
}

/* honker_retry(job_id, worker_id, delay_s, error) -> 0|1. core: retry() = RETRY_JOB, or moveToDead()
 * when attempts are used up. */
static void fn_retry(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  sqlite3_int64 id = hk_int_arg(&c, 0, "job_id");
  const char *worker_id = hk_text_arg(&c, 1, "worker_id", 0);
  sqlite3_int64 delay = hk_int_arg(&c, 2, "delay_s");
  const char *error = hk_text_arg(&c, 3, "error", 0);
  sqlite3_int64 now = hk_now(&c);
  hk_param p[4];
  int done;
  (void)argc;
  p[0] = hk_int("id", id);
  p[1] = hk_text("worker_id", worker_id);
  p[2] = hk_int("now", now);
  p[3] = hk_int("run_at", hk_plus(&c, now, delay, "delay_s"));
  int savepoint = hk_begin(&c);
  done = hk_run(&c, &HK_RETRY_JOB, p, 4, NULL) == 1;
  if (!done && !c.failed) done = hk_move_owned_to_dead(&c, id, worker_id, now, error);
  hk_end(&c, savepoint);
  if (!c.failed) sqlite3_result_int(ctx, done);
}

/* honker_fail(job_id, worker_id, error) -> 0|1. core: fail() */
static void fn_fail(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  sqlite3_int64 id = hk_int_arg(&c, 0, "job_id");
  const char *worker_id = hk_text_arg(&c, 1, "worker_id", 0);
  const char *error = hk_text_arg(&c, 2, "error", 0);
  sqlite3_int64 now = hk_now(&c);
  int done;
  (void)argc;
  int savepoint = hk_begin(&c);
  done = hk_move_owned_to_dead(&c, id, worker_id, now, error);
  hk_end(&c, savepoint);
  if (!c.failed) sqlite3_result_int(ctx, done);
}

/* honker_heartbeat(job_id, worker_id, extend_s) -> 0|1. core: heartbeat() */
static void fn_heartbeat(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  sqlite3_int64 id = hk_int_arg(&c, 0, "job_id");
  const char *worker_id = hk_text_arg(&c, 1, "worker_id", 0);
  sqlite3_int64 extend = hk_int_arg(&c, 2, "extend_s");
  sqlite3_int64 now = hk_now(&c), changes;
  hk_param p[4];
  (void)argc;
  p[0] = hk_int("id", id);
  p[1] = hk_text("worker_id", worker_id);
  p[2] = hk_int("now", now);
  p[3] = hk_int("claim_expires_at", hk_plus(&c, now, extend, "extend_s"));
  changes = hk_run(&c, &HK_HEARTBEAT_JOB, p, 4, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

/* honker_cancel(job_id) -> 0|1. core: queue.cancel() */
static void fn_cancel(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[1];
  sqlite3_int64 changes;
  (void)argc;
  p[0] = hk_int("id", hk_int_arg(&c, 0, "job_id"));
  changes = hk_run(&c, &HK_CANCEL_JOB, p, 1, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

static const char *const JOB_KEYS[] = {
  "attempts", "claim_expires_at", "created_at", "expires_at", "id", "max_attempts",
  "payload", "priority", "queue", "run_at", "state", "worker_id",
};

/* honker_get_job(job_id) -> JSON object of the live row, or '' (honker's miss). core: GET_LIVE_JOB */
static void fn_get_job(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[1];
  sqlite3_stmt *row;
  sqlite3_str *out;
  (void)argc;
  p[0] = hk_int("id", hk_int_arg(&c, 0, "job_id"));
  row = hk_prepare(&c, &HK_GET_LIVE_JOB, p, 1, NULL);
  if (row == NULL) return;
  out = sqlite3_str_new(c.db);
  if (hk_step(&c, row) == SQLITE_ROW) hk_json_row(out, row, JOB_KEYS, HK_COUNT(JOB_KEYS));
  sqlite3_finalize(row);
  hk_result_str(&c, out);
}

/* honker_queue_next_claim_at(queue) -> unix second, or 0. core: nextClaimAt() */
static void fn_queue_next_claim_at(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[2];
  sqlite3_int64 next;
  (void)argc;
  p[0] = hk_text("queue", hk_text_arg(&c, 0, "queue", 0));
  p[1] = hk_int("now", hk_now(&c));
  next = hk_scalar_int(&c, &HK_NEXT_CLAIM_AT, p, 2, 0);
  if (!c.failed) sqlite3_result_int64(ctx, next);
}

/* honker_sweep_expired(queue) -> count. core: sweepExpired() = TAKE_EXPIRED -> INSERT_DEAD('expired'),
 * which also retires lapsed processing rows past expires_at (honker leaves them live forever). */
static void fn_sweep_expired(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[2];
  sqlite3_int64 now, moved;
  (void)argc;
  p[0] = hk_text("queue", hk_text_arg(&c, 0, "queue", 0));
  now = hk_now(&c);
  p[1] = hk_int("now", now);
  int savepoint = hk_begin(&c);
  moved = hk_take_to_dead(&c, &HK_TAKE_EXPIRED, p, 2, HK_EXPIRED, now);
  hk_end(&c, savepoint);
  if (!c.failed) sqlite3_result_int64(ctx, moved);
}

/* ------------------------------------------------------------------------------------------------
 * 2.4 Results
 */

/* honker_result_save(job_id, value, ttl_s) -> 1; ttl_s <= 0 keeps it forever. core: saveResult() */
static void fn_result_save(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  sqlite3_int64 job_id = hk_int_arg(&c, 0, "job_id");
  const char *value = hk_text_arg(&c, 1, "value", 0);
  sqlite3_int64 ttl = hk_int_arg(&c, 2, "ttl_s");
  sqlite3_int64 now = hk_now(&c);
  hk_param p[4];
  (void)argc;
  p[0] = hk_int("job_id", job_id);
  p[1] = hk_text("value", value);
  p[2] = hk_int("now", now);
  p[3] = hk_opt_int("expires_at", ttl > 0, ttl > 0 ? hk_plus(&c, now, ttl, "ttl_s") : 0);
  hk_run(&c, &HK_SAVE_RESULT, p, 4, NULL);
  if (!c.failed) sqlite3_result_int(ctx, 1);
}

/* honker_result_get(job_id) -> TEXT, or NULL when absent or expired. core: getResult() */
static void fn_result_get(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[2];
  sqlite3_stmt *row;
  (void)argc;
  p[0] = hk_int("job_id", hk_int_arg(&c, 0, "job_id"));
  p[1] = hk_int("now", hk_now(&c));
  row = hk_prepare(&c, &HK_GET_RESULT, p, 2, NULL);
  if (row == NULL) return;
  if (hk_step(&c, row) == SQLITE_ROW) sqlite3_result_value(ctx, sqlite3_column_value(row, 0));
  else if (!c.failed) sqlite3_result_null(ctx);
  sqlite3_finalize(row);
}

/* honker_result_sweep() -> count. core: sweepResults() */
static void fn_result_sweep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[1];
  sqlite3_int64 changes;
  (void)argc;
  p[0] = hk_int("now", hk_now(&c));
  changes = hk_run(&c, &HK_SWEEP_RESULTS, p, 1, NULL);
  if (!c.failed) sqlite3_result_int64(ctx, changes);
}

/* ------------------------------------------------------------------------------------------------
 * 2.5 Locks
 */

/* honker_lock_acquire(name, owner, ttl_s) -> 0|1; holding it already does not extend it.
 * core: Lock.acquire() = DELETE_EXPIRED_LOCK, INSERT_LOCK, GET_LOCK. */
static void fn_lock_acquire(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  const char *name = hk_text_arg(&c, 0, "name", 0);
  const char *owner = hk_text_arg(&c, 1, "owner", 0);
  sqlite3_int64 ttl = hk_int_arg(&c, 2, "ttl_s");
  sqlite3_int64 now = hk_now(&c);
  hk_param p[4];
  sqlite3_stmt *row;
  int mine = 0;
  (void)argc;
  p[0] = hk_text("name", name);
  p[1] = hk_int("now", now);
  p[2] = hk_text("owner", owner);
  p[3] = hk_int("expires_at", hk_plus(&c, now, ttl, "ttl_s"));
  int savepoint = hk_begin(&c);
  hk_run(&c, &HK_DELETE_EXPIRED_LOCK, p, 4, NULL);
  hk_run(&c, &HK_INSERT_LOCK, p, 4, NULL);
  row = hk_prepare(&c, &HK_GET_LOCK, p, 4, NULL);
  if (row != NULL && hk_step(&c, row) == SQLITE_ROW) {
    const char *holder = (const char *)sqlite3_column_text(row, hk_column_index(row, "owner"));
    mine = holder != NULL && strcmp(holder, owner) == 0;
  }
  sqlite3_finalize(row);
  hk_end(&c, savepoint);
  if (!c.failed) sqlite3_result_int(ctx, mine);
}

/* honker_lock_release(name, owner) -> 0|1. core: Lock.release() */
static void fn_lock_release(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[2];
  sqlite3_int64 changes;
  (void)argc;
  p[0] = hk_text("name", hk_text_arg(&c, 0, "name", 0));
  p[1] = hk_text("owner", hk_text_arg(&c, 1, "owner", 0));
  changes = hk_run(&c, &HK_RELEASE_LOCK, p, 2, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

/* honker_lock_renew(name, owner, ttl_s) -> 0|1; ttl_s <= 0 is an error. core: Lock.renew() */
static void fn_lock_renew(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  const char *name = hk_text_arg(&c, 0, "name", 0);
  const char *owner = hk_text_arg(&c, 1, "owner", 0);
  sqlite3_int64 ttl = hk_int_arg(&c, 2, "ttl_s");
  hk_param p[3];
  sqlite3_int64 changes;
  (void)argc;
  if (!c.failed && ttl <= 0) hk_fail(&c, SQLITE_ERROR, "%s: ttl_s must be positive", c.fn);
  p[0] = hk_text("name", name);
  p[1] = hk_text("owner", owner);
  p[2] = hk_int("expires_at", hk_plus(&c, hk_now(&c), ttl, "ttl_s"));
  changes = hk_run(&c, &HK_RENEW_LOCK, p, 3, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

/* ------------------------------------------------------------------------------------------------
 * 2.6 Rate limits
 */

/* honker_rate_limit_try(name, limit, per_s) -> 0|1. core: RateLimit.try() */
static void fn_rate_limit_try(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  const char *name = hk_text_arg(&c, 0, "name", 0);
  sqlite3_int64 limit = hk_int_arg(&c, 1, "limit");
  sqlite3_int64 per = hk_int_arg(&c, 2, "per_s");
  sqlite3_int64 now, window_start, changes;
  hk_param p[3];
  (void)argc;
  if (!c.failed && (limit <= 0 || per <= 0)) hk_fail(&c, SQLITE_ERROR, "%s: limit and per must be positive", c.fn);
  now = hk_now(&c);
  /* Floor division, as core's Math.floor(now / per) * per (C's '/' truncates toward zero). */
  window_start = per > 0 ? (now >= 0 ? now / per : -((-now + per - 1) / per)) * per : 0;
  p[0] = hk_text("name", name);
  p[1] = hk_int("window_start", window_start);
  p[2] = hk_int("limit", limit);
  changes = hk_run(&c, &HK_TRY_RATE_LIMIT, p, 3, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

/* honker_rate_limit_sweep(older_than_s) -> count. core: sweepRateLimits() */
static void fn_rate_limit_sweep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  sqlite3_int64 older = hk_int_arg(&c, 0, "older_than_s");
  hk_param p[1];
  sqlite3_int64 changes;
  (void)argc;
  /* now - older, as now + (-older); the one int64 that cannot be negated is out of range anyway. */
  if (!c.failed && older < -(sqlite3_int64)(((sqlite3_uint64)1 << 63) - 1)) {
    hk_fail(&c, SQLITE_RANGE, "%s: older_than_s out of range: %lld", c.fn, older);
  }
  p[0] = hk_int("cutoff", c.failed ? 0 : hk_plus(&c, hk_now(&c), -older, "older_than_s"));
  changes = hk_run(&c, &HK_SWEEP_RATE_LIMITS, p, 1, NULL);
  if (!c.failed) sqlite3_result_int64(ctx, changes);
}

/* ------------------------------------------------------------------------------------------------
 * 2.8 Scheduler
 */

#define HK_DEFAULT_MAX_ATTEMPTS 3

static int hk_text_equal(sqlite3_stmt *row, const char *column, const char *value) {
  const char *stored = (const char *)sqlite3_column_text(row, hk_column_index(row, column));
  return stored != NULL && value != NULL && strcmp(stored, value) == 0;
}

static int hk_int_equal(sqlite3_stmt *row, const char *column, int present, sqlite3_int64 value) {
  int index = hk_column_index(row, column);
  if (sqlite3_column_type(row, index) == SQLITE_NULL) return !present;
  return present && sqlite3_column_int64(row, index) == value;
}

/* honker_scheduler_register(name, queue, expr, payload, priority, expires_s|NULL [, max_attempts]) -> 1.
 * honker's SQL contract (max_attempts defaults to 3, values < 1 clamp to 1, `enabled` untouched),
 * with core's Scheduler.add() improvement: an identical definition keeps its next_fire_at (and any
 * pending catch-up) instead of being pushed out. GET_TASK, then UPSERT_TASK. */
static void fn_scheduler_register(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  const char *name = hk_text_arg(&c, 0, "name", 0);
  const char *queue = hk_text_arg(&c, 1, "queue", 0);
  const char *expr = hk_text_arg(&c, 2, "expr", 0);
  const char *payload = hk_text_arg(&c, 3, "payload", 0);
  sqlite3_int64 priority = hk_int_arg(&c, 4, "priority");
  sqlite3_int64 expires_s, max_attempts = HK_DEFAULT_MAX_ATTEMPTS, next;
  int has_expires = hk_int_arg_or_null(&c, 5, "expires_s", 1, &expires_s);
  hk_param p[8];
  sqlite3_stmt *row;
  int same = 0;
  if (argc == 7) max_attempts = hk_int_arg(&c, 6, "max_attempts");
  if (max_attempts < 1) max_attempts = 1;
  /* Validated before any write. */
  next = hk_cron_next_after(&c, expr, hk_now(&c));
  p[0] = hk_text("name", name);
  p[1] = hk_text("queue", queue);
  p[2] = hk_text("cron_expr", expr);
  p[3] = hk_text("payload", payload);
  p[4] = hk_int("priority", priority);
  p[5] = hk_opt_int("expires_s", has_expires, expires_s);
  p[6] = hk_int("next_fire_at", next);
  p[7] = hk_int("max_attempts", max_attempts);
  int savepoint = hk_begin(&c);
  row = hk_prepare(&c, &HK_GET_TASK, p, 8, NULL);
  if (row != NULL && hk_step(&c, row) == SQLITE_ROW) {
    same = hk_text_equal(row, "queue", queue) && hk_text_equal(row, "cron_expr", expr) &&
           hk_text_equal(row, "payload", payload) && hk_int_equal(row, "priority", 1, priority) &&
           hk_int_equal(row, "expires_s", has_expires, expires_s) && hk_int_equal(row, "max_attempts", 1, max_attempts);
  }
  sqlite3_finalize(row);
  if (!same) hk_run(&c, &HK_UPSERT_TASK, p, 8, NULL);
  hk_end(&c, savepoint);
  if (!c.failed) sqlite3_result_int(ctx, 1);
}

/* honker_scheduler_unregister(name) -> 0|1. core: Scheduler.remove() */
static void fn_scheduler_unregister(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[1];
  sqlite3_int64 changes;
  (void)argc;
  p[0] = hk_text("name", hk_text_arg(&c, 0, "name", 0));
  changes = hk_run(&c, &HK_DELETE_TASK, p, 1, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

/* Shared by pause and resume: a flip that reports whether it changed anything. */
static void hk_scheduler_flip(sqlite3_context *ctx, sqlite3_value **argv, const hk_statement *def) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[1];
  sqlite3_int64 changes;
  p[0] = hk_text("name", hk_text_arg(&c, 0, "name", 0));
  changes = hk_run(&c, def, p, 1, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

/* honker_scheduler_pause(name) / honker_scheduler_resume(name) -> 0|1. core: Scheduler.pause/resume() */
static void fn_scheduler_pause(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  hk_scheduler_flip(ctx, argv, &HK_PAUSE_TASK);
}

static void fn_scheduler_resume(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  hk_scheduler_flip(ctx, argv, &HK_RESUME_TASK);
}

/* honker_scheduler_soonest() -> unix second, or 0. core: Scheduler.soonest() */
static void fn_scheduler_soonest(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  sqlite3_int64 next;
  (void)argc;
  next = hk_scalar_int(&c, &HK_SOONEST_FIRE, NULL, 0, 0);
  if (!c.failed) sqlite3_result_int64(ctx, next);
}

static const char *const TASK_KEYS[] = {
  "cron_expr", "?enabled", "expires_s", "max_attempts", "name", "next_fire_at", "payload", "priority", "queue",
};

/* honker_scheduler_list() -> JSON array ordered by name. core: Scheduler.list() */
static void fn_scheduler_list(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  sqlite3_stmt *rows = hk_prepare(&c, &HK_LIST_TASKS, NULL, 0, NULL);
  sqlite3_str *out;
  int n = 0;
  (void)argc;
  if (rows == NULL) return;
  out = sqlite3_str_new(c.db);
  sqlite3_str_appendchar(out, 1, '[');
  while (hk_step(&c, rows) == SQLITE_ROW) {
    if (n++ > 0) sqlite3_str_appendchar(out, 1, ',');
    hk_json_row(out, rows, TASK_KEYS, HK_COUNT(TASK_KEYS));
  }
  sqlite3_finalize(rows);
  sqlite3_str_appendchar(out, 1, ']');
  hk_result_str(&c, out);
}

/* A due task, copied out of DUE_TASKS before the tick writes (core reads them all first too). */
typedef struct hk_due_task {
  char *name, *queue, *cron_expr, *payload;
  sqlite3_int64 priority, expires_s, next_fire_at, max_attempts;
  int has_expires;
} hk_due_task;

static char *hk_column_copy(sqlite3_stmt *row, const char *column) {
  const char *text = (const char *)sqlite3_column_text(row, hk_column_index(row, column));
  return sqlite3_mprintf("%s", text ? text : "");
}

static void hk_free_tasks(hk_due_task *tasks, int count) {
  int i;
  for (i = 0; i < count; i++) {
    sqlite3_free(tasks[i].name);
    sqlite3_free(tasks[i].queue);
    sqlite3_free(tasks[i].cron_expr);
    sqlite3_free(tasks[i].payload);
  }
  sqlite3_free(tasks);
}

/* honker_scheduler_tick(now_unix) -> JSON array of {fire_at, job_id, name, queue}.
 * core: tickTasks() = DUE_TASKS; per task, INSERT_JOB per boundary (at most CATCH_UP_CAP, then skip
 * to the next boundary after now), then SET_NEXT_FIRE. Jobs run at the real current time. */
static void fn_scheduler_tick(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  sqlite3_int64 now = hk_int_arg(&c, 0, "now_unix");
  sqlite3_int64 real_now = hk_now(&c);
  hk_param due[1];
  hk_due_task *tasks = NULL;
  int count = 0, capacity = 0, t, fired = 0;
  sqlite3_stmt *rows;
  sqlite3_str *out;
  (void)argc;
  due[0] = hk_int("now", now);
  int savepoint = hk_begin(&c);
  rows = hk_prepare(&c, &HK_DUE_TASKS, due, 1, NULL);
  while (rows != NULL && hk_step(&c, rows) == SQLITE_ROW) {
    hk_due_task *task;
    int expires_index = hk_column_index(rows, "expires_s");
    if (count == capacity) {
      hk_due_task *grown;
      capacity = capacity == 0 ? 4 : capacity * 2;
      grown = (hk_due_task *)sqlite3_realloc64(tasks, (sqlite3_uint64)capacity * sizeof(hk_due_task));
      if (grown == NULL) {
        hk_fail(&c, SQLITE_NOMEM, "%s: out of memory", c.fn);
        break;
      }
      tasks = grown;
    }
    task = &tasks[count++];
    task->name = hk_column_copy(rows, "name");
    task->queue = hk_column_copy(rows, "queue");
    task->cron_expr = hk_column_copy(rows, "cron_expr");
    task->payload = hk_column_copy(rows, "payload");
    task->priority = sqlite3_column_int64(rows, hk_column_index(rows, "priority"));
    task->has_expires = sqlite3_column_type(rows, expires_index) != SQLITE_NULL;
    task->expires_s = sqlite3_column_int64(rows, expires_index);
    task->next_fire_at = sqlite3_column_int64(rows, hk_column_index(rows, "next_fire_at"));
    task->max_attempts = sqlite3_column_int64(rows, hk_column_index(rows, "max_attempts"));
    if (!task->name || !task->queue || !task->cron_expr || !task->payload) hk_fail(&c, SQLITE_NOMEM, "%s: out of memory", c.fn);
  }
  sqlite3_finalize(rows);

  out = sqlite3_str_new(c.db);
  sqlite3_str_appendchar(out, 1, '[');
  for (t = 0; t < count && !c.failed; t++) {
    hk_due_task *task = &tasks[t];
    sqlite3_int64 next = task->next_fire_at;
    int n = 0;
    hk_param job[7], set[2];
    job[0] = hk_text("queue", task->queue);
    job[1] = hk_text("payload", task->payload);
    job[2] = hk_int("priority", task->priority);
    job[3] = hk_int("run_at", real_now);
    job[4] = hk_int("max_attempts", task->max_attempts);
    job[5] = hk_int("now", real_now);
    job[6] = hk_opt_int("expires_at", task->has_expires, task->has_expires ? hk_plus(&c, real_now, task->expires_s, "expires_s") : 0);
    while (next <= now && !c.failed) {
      sqlite3_int64 id;
      if (n == HK_CATCH_UP_CAP) {
        next = hk_cron_next_after(&c, task->cron_expr, now);
        break;
      }
      id = hk_scalar_int(&c, &HK_INSERT_JOB, job, 7, 0);
      if (c.failed) break;
      if (fired++ > 0) sqlite3_str_appendchar(out, 1, ',');
      sqlite3_str_appendf(out, "{\"fire_at\":%lld,\"job_id\":%lld,\"name\":", next, id);
      hk_json_string(out, task->name);
      sqlite3_str_appendall(out, ",\"queue\":");
      hk_json_string(out, task->queue);
      sqlite3_str_appendchar(out, 1, '}');
      n++;
      next = hk_cron_next_after(&c, task->cron_expr, next);
    }
    set[0] = hk_text("name", task->name);
    set[1] = hk_int("next_fire_at", next);
    hk_run(&c, &HK_SET_NEXT_FIRE, set, 2, NULL);
  }
  hk_free_tasks(tasks, count);
  sqlite3_str_appendchar(out, 1, ']');
  hk_end(&c, savepoint);
  hk_result_str(&c, out);
}

/* honker_scheduler_update(name, expr|NULL, payload|NULL, priority|NULL, expires_s|NULL, touch_expires
 *                         [, max_attempts|NULL, touch_max_attempts]) -> 0|1.
 * core: GET_TASK, then UPDATE_TASK with the unchanged fields taken from the row (as Scheduler.update() merges them);
 * next_fire_at is recomputed only when the expression actually changes. honker's flags: expires_s and
 * max_attempts apply only when their touch flag is non-zero (then NULL clears expires_s and resets
 * max_attempts to 3; values < 1 clamp to 1). */
static void fn_scheduler_update(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  const char *name = hk_text_arg(&c, 0, "name", 0);
  const char *expr = hk_text_arg(&c, 1, "expr", 1);
  const char *payload = hk_text_arg(&c, 2, "payload", 1);
  sqlite3_int64 priority, expires_s, touch_expires, max_attempts = 0, touch_max = 0, next = 0;
  int has_priority = hk_int_arg_or_null(&c, 3, "priority", 1, &priority);
  int has_expires = hk_int_arg_or_null(&c, 4, "expires_s", 1, &expires_s);
  int has_max = 0, n = 0, updated = 0;
  hk_param p[7];
  sqlite3_stmt *row;
  touch_expires = hk_int_arg(&c, 5, "touch_expires");
  if (argc == 8) {
    has_max = hk_int_arg_or_null(&c, 6, "max_attempts", 1, &max_attempts);
    touch_max = hk_int_arg(&c, 7, "touch_max_attempts");
  }
  if (c.failed) return;
  if (expr == NULL && payload == NULL && !has_priority && !touch_expires && !touch_max) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  /* A new expression is validated before anything is written. */
  if (expr != NULL) next = hk_cron_next_after(&c, expr, hk_now(&c));
  p[n++] = hk_text("name", name);
  if (expr != NULL) p[n++] = hk_text("cron_expr", expr);
  if (payload != NULL) p[n++] = hk_text("payload", payload);
  if (has_priority) p[n++] = hk_int("priority", priority);
  if (touch_expires) p[n++] = hk_opt_int("expires_s", has_expires, expires_s);
  if (touch_max) p[n++] = hk_int("max_attempts", !has_max ? HK_DEFAULT_MAX_ATTEMPTS : max_attempts < 1 ? 1 : max_attempts);
  int savepoint = hk_begin(&c);
  row = hk_prepare(&c, &HK_GET_TASK, p, n, NULL);
  if (row != NULL && hk_step(&c, row) == SQLITE_ROW) {
    if (expr != NULL && !hk_text_equal(row, "cron_expr", expr)) p[n++] = hk_int("next_fire_at", next);
    updated = hk_run(&c, &HK_UPDATE_TASK, p, n, row) == 1;
  }
  sqlite3_finalize(row);
  hk_end(&c, savepoint);
  if (!c.failed) sqlite3_result_int(ctx, updated);
}

/* ------------------------------------------------------------------------------------------------
 * 2.9 Streams
 */

/* honker_stream_publish(topic, key|NULL, payload) -> offset. core: publishWith() */
static void fn_stream_publish(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[4];
  sqlite3_int64 offset;
  (void)argc;
  p[0] = hk_text("topic", hk_text_arg(&c, 0, "topic", 0));
  p[1] = hk_text("key", hk_text_arg(&c, 1, "key", 1));
  p[2] = hk_text("payload", hk_text_arg(&c, 2, "payload", 0));
  p[3] = hk_int("now", hk_now(&c));
  offset = hk_scalar_int(&c, &HK_INSERT_EVENT, p, 4, 0);
  if (!c.failed) sqlite3_result_int64(ctx, offset);
}

static const char *const EVENT_KEYS[] = { "created_at", "key", "offset", "payload", "topic" };

/* honker_stream_read_since(topic, offset, limit) -> JSON array. core: Stream.readSince() */
static void fn_stream_read_since(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[3];
  sqlite3_stmt *rows;
  sqlite3_str *out;
  int n = 0;
  (void)argc;
  p[0] = hk_text("topic", hk_text_arg(&c, 0, "topic", 0));
  p[1] = hk_int("after", hk_int_arg(&c, 1, "offset"));
  p[2] = hk_int("limit", hk_int_arg(&c, 2, "limit"));
  rows = hk_prepare(&c, &HK_READ_EVENTS, p, 3, NULL);
  if (rows == NULL) return;
  out = sqlite3_str_new(c.db);
  sqlite3_str_appendchar(out, 1, '[');
  while (hk_step(&c, rows) == SQLITE_ROW) {
    if (n++ > 0) sqlite3_str_appendchar(out, 1, ',');
    hk_json_row(out, rows, EVENT_KEYS, HK_COUNT(EVENT_KEYS));
  }
  sqlite3_finalize(rows);
  sqlite3_str_appendchar(out, 1, ']');
  hk_result_str(&c, out);
}

/* honker_stream_save_offset(consumer, topic, offset) -> 0|1, forward only. core: saveOffsetWith() */
static void fn_stream_save_offset(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[3];
  sqlite3_int64 changes;
  (void)argc;
  p[0] = hk_text("consumer", hk_text_arg(&c, 0, "consumer", 0));
  p[1] = hk_text("topic", hk_text_arg(&c, 1, "topic", 0));
  p[2] = hk_int("offset", hk_int_arg(&c, 2, "offset"));
  changes = hk_run(&c, &HK_SAVE_OFFSET, p, 3, NULL);
  if (!c.failed) sqlite3_result_int(ctx, changes == 1);
}

/* honker_stream_get_offset(consumer, topic) -> offset, or 0. core: Stream.getOffset() */
static void fn_stream_get_offset(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  hk_call c = hk_start(ctx, argv);
  hk_param p[2];
  sqlite3_int64 offset;
  (void)argc;
  p[0] = hk_text("consumer", hk_text_arg(&c, 0, "consumer", 0));
  p[1] = hk_text("topic", hk_text_arg(&c, 1, "topic", 0));
  offset = hk_scalar_int(&c, &HK_GET_OFFSET, p, 2, 0);
  if (!c.failed) sqlite3_result_int64(ctx, offset);
}

/* ------------------------------------------------------------------------------------------------
 * Registration. Plain UTF-8 scalar functions, as honker's: not DETERMINISTIC (they read the clock
 * and write), not DIRECTONLY (triggers must be able to call them; with PRAGMA trusted_schema=OFF,
 * SQLite refuses them in triggers and views because they are not innocuous).
 */
typedef void (*hk_function)(sqlite3_context *, int, sqlite3_value **);

static const struct {
  const char *name;
  int n_args;
  hk_function fn;
} FUNCTIONS[] = {
  { "notify", 2, fn_notify },
  { "honker_bootstrap", 0, fn_bootstrap },
  { "honker_enqueue", 7, fn_enqueue },
  { "honker_claim_batch", 4, fn_claim_batch },
  { "honker_ack", 2, fn_ack },
  { "honker_ack_batch", 2, fn_ack_batch },
  { "honker_retry", 4, fn_retry },
  { "honker_fail", 3, fn_fail },
  { "honker_heartbeat", 3, fn_heartbeat },
  { "honker_cancel", 1, fn_cancel },
  { "honker_get_job", 1, fn_get_job },
  { "honker_queue_next_claim_at", 1, fn_queue_next_claim_at },
  { "honker_sweep_expired", 1, fn_sweep_expired },
  { "honker_result_save", 3, fn_result_save },
  { "honker_result_get", 1, fn_result_get },
  { "honker_result_sweep", 0, fn_result_sweep },
  { "honker_lock_acquire", 3, fn_lock_acquire },
  { "honker_lock_release", 2, fn_lock_release },
  { "honker_lock_renew", 3, fn_lock_renew },
  { "honker_rate_limit_try", 3, fn_rate_limit_try },
  { "honker_rate_limit_sweep", 1, fn_rate_limit_sweep },
  { "honker_scheduler_register", 6, fn_scheduler_register },
  { "honker_scheduler_register", 7, fn_scheduler_register },
  { "honker_scheduler_unregister", 1, fn_scheduler_unregister },
  { "honker_scheduler_tick", 1, fn_scheduler_tick },
  { "honker_scheduler_soonest", 0, fn_scheduler_soonest },
  { "honker_scheduler_pause", 1, fn_scheduler_pause },
  { "honker_scheduler_resume", 1, fn_scheduler_resume },
  { "honker_scheduler_list", 0, fn_scheduler_list },
  { "honker_scheduler_update", 6, fn_scheduler_update },
  { "honker_scheduler_update", 8, fn_scheduler_update },
  { "honker_stream_publish", 3, fn_stream_publish },
  { "honker_stream_read_since", 3, fn_stream_read_since },
  { "honker_stream_save_offset", 3, fn_stream_save_offset },
  { "honker_stream_get_offset", 2, fn_stream_get_offset },
};

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_honkerfunctions_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  size_t i;
  SQLITE_EXTENSION_INIT2(api);
  /* Every call goes through the loading SQLite's routine table (sqlite3ext.h), whatever headers
   * this was compiled against: an older SQLite's table ends before the newest routine used here,
   * sqlite3_changes64 (3.37.0), so refuse to load rather than call past its end. */
  if (sqlite3_libversion_number() < 3037000) {
    if (error != NULL) *error = sqlite3_mprintf("honker_functions needs SQLite 3.37.0 or later; this connection's SQLite is %s", sqlite3_libversion());
    return SQLITE_ERROR;
  }
  for (i = 0; i < sizeof(FUNCTIONS) / sizeof(FUNCTIONS[0]); i++) {
    /* The name doubles as user data, so error messages say which function failed. */
    int rc = sqlite3_create_function(db, FUNCTIONS[i].name, FUNCTIONS[i].n_args, SQLITE_UTF8,
                                     (void *)FUNCTIONS[i].name, FUNCTIONS[i].fn, NULL, NULL);
    if (rc != SQLITE_OK) {
      if (error != NULL) *error = sqlite3_mprintf("honker_functions: cannot register %s: %s", FUNCTIONS[i].name, sqlite3_errmsg(db));
      return rc;
    }
  }
  return SQLITE_OK;
}
