/*
 * A generated fuzz of every SQL function of native/honker_functions.c, for a build with
 * AddressSanitizer and UndefinedBehaviorSanitizer (test/sanitizers.test.ts builds and runs it; it is
 * never shipped). The extension is compiled into this program with SQLITE_CORE, against the SQLite
 * amalgamation better-sqlite3 ships, and registered on one connection to a file database.
 *
 * Each call picks a function (from pragma_function_list, so a new function is fuzzed without editing
 * this file), an arity (the registered one, or one off: wrong arity), and for each argument a value
 * from a fixed list (NULL, integers at the edges, reals, empty, 64 KiB and 1 MiB text, invalid
 * UTF-8, embedded NULs, blobs, JSON and cron-looking text), and runs it in one of three ways: a
 * plain SELECT, inside BEGIN ... COMMIT/ROLLBACK, or from an AFTER INSERT trigger. A call may
 * succeed or fail; a failure must be an SQL error with a message. A crash or a sanitizer report ends
 * the process with a non-zero status (the sanitizers are built to halt on the first error). At the
 * end the database must pass PRAGMA integrity_check.
 *
 * Usage: fuzz <database file> <seed> <calls>. Prints one JSON line: the counts and the result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite3.h"

int sqlite3_honkerfunctions_init(sqlite3 *db, char **error, const sqlite3_api_routines *api);

static const char *VALUES[] = {
  "NULL", "0", "1", "-1", "2", "3", "100", "86400",
  "9223372036854775807", "-9223372036854775807 - 1", "4294967296",
  "0.5", "-0.5", "1e308", "-1e308", "2.0",
  "''", "'q'", "'w1'", "'topic'", "'not json'", "'[1,2]'", "'{\"a\":1}'", "'[]'", "'[1, \"a\", null]'",
  "'@every 1s'", "'* * * * *'", "'0 3 * * *'",
  "CAST(x'fffe80' AS TEXT)", "CAST(x'610062' AS TEXT)", "x''", "x'00ff'", "zeroblob(16)",
  "printf('%.*c', 65536, 'x')",
};
#define VALUE_COUNT (sizeof(VALUES) / sizeof(VALUES[0]))
/* A 1 MiB text now and then: often enough to reach every function, rarely enough to keep the file small. */
static const char *HUGE_VALUE = "printf('%.*c', 1048576, 'y')";

typedef struct {
  char name[64];
  int arity;
  long ok;
} fn_entry;

static uint64_t rng_state;

static uint64_t rng(void) {
  /* xorshift64*: fixed seed, same run every time. */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}

static void fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_int64(ctx, (sqlite3_int64)time(NULL));
}

/* Stands in for core's cron (registered from TypeScript in real use): text in, a later second out. */
static void fn_cron_next_after(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3_int64 after = sqlite3_value_int64(argv[1]);
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT || after > 253402300799LL) {
    /* core's nextAfter refuses what it cannot place before the year 10000 */
    sqlite3_result_error(ctx, "honker_cron_next_after: bad expression or time", -1);
    return;
  }
  sqlite3_result_int64(ctx, after + 60);
}

static int run_sql(sqlite3 *db, const char *sql, long *errors, long *unclear) {
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK) {
    const char *message = sqlite3_errmsg(db);
    (*errors)++;
    if (message == NULL || message[0] == '\0' || strcmp(message, "not an error") == 0) (*unclear)++;
  }
  sqlite3_finalize(stmt);
  return rc;
}

static void exec_or_die(sqlite3 *db, const char *sql) {
  char *error = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) {
    fprintf(stderr, "fuzz: %s: %s\n", sql, error ? error : "?");
    exit(2);
  }
}

int main(int argc, char **argv) {
  sqlite3 *db;
  fn_entry fns[128];
  int fn_count = 0;
  sqlite3_stmt *stmt;
  long calls, i, ok = 0, errors = 0, unclear = 0, by_mode[3] = {0, 0, 0};
  int k_first;
  char *sql;
  if (argc != 4) {
    fprintf(stderr, "usage: fuzz <database file> <seed> <calls>\n");
    return 2;
  }
  rng_state = strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
  calls = strtol(argv[3], NULL, 10);
  if (sqlite3_open(argv[1], &db) != SQLITE_OK) return 2;
  exec_or_die(db, "PRAGMA journal_mode = WAL");
  if (sqlite3_honkerfunctions_init(db, NULL, NULL) != SQLITE_OK) return 2;
  sqlite3_create_function(db, "honker_now", 0, SQLITE_UTF8, NULL, fn_now, NULL, NULL);
  sqlite3_create_function(db, "honker_cron_next_after", 2, SQLITE_UTF8, NULL, fn_cron_next_after, NULL, NULL);
  exec_or_die(db, "SELECT honker_bootstrap()");
  exec_or_die(db, "CREATE TABLE fuzz_calls (id INTEGER PRIMARY KEY, fn TEXT, a1, a2, a3, a4, a5, a6, a7, a8, a9)");

  if (sqlite3_prepare_v2(db,
                         "SELECT name, narg FROM pragma_function_list "
                         "WHERE (name LIKE 'honker%' OR name = 'notify') "
                         "AND name NOT IN ('honker_now', 'honker_cron_next_after') ORDER BY name, narg",
                         -1, &stmt, NULL) != SQLITE_OK) {
    return 2;
  }
  while (sqlite3_step(stmt) == SQLITE_ROW && fn_count < 128) {
    snprintf(fns[fn_count].name, sizeof(fns[fn_count].name), "%s", (const char *)sqlite3_column_text(stmt, 0));
    fns[fn_count].arity = sqlite3_column_int(stmt, 1);
    fns[fn_count].ok = 0;
    fn_count++;
  }
  sqlite3_finalize(stmt);
  if (fn_count == 0) return 2;

  /* One trigger per (function, arity): an insert naming it calls the function with the row's values. */
  for (i = 0; i < fn_count; i++) {
    char args[256] = "";
    int k;
    for (k = 0; k < fns[i].arity; k++) {
      char one[24];
      snprintf(one, sizeof(one), "%sNEW.a%d", k == 0 ? "" : ", ", k + 1);
      strcat(args, one);
    }
    sql = sqlite3_mprintf(
      "CREATE TRIGGER fuzz_%ld AFTER INSERT ON fuzz_calls WHEN NEW.fn = '%s/%d' BEGIN SELECT %s(%s); END",
      i, fns[i].name, fns[i].arity, fns[i].name, args);
    exec_or_die(db, sql);
    sqlite3_free(sql);
  }

  for (i = 0; i < calls; i++) {
    fn_entry *fn = &fns[rng() % (uint64_t)fn_count];
    int mode = (int)(rng() % 3);
    int arity = fn->arity;
    int k, rc;
    char args[4096] = "";
    /* One call in twenty has the wrong number of arguments: an error at prepare time. */
    if (mode != 2 && rng() % 20 == 0) arity = arity == 0 ? 1 : arity + (rng() % 2 == 0 ? -1 : 1);
    for (k = 0; k < arity; k++) {
      const char *value = (i % 500 == 499 && k == 0) ? HUGE_VALUE : VALUES[rng() % VALUE_COUNT];
      strcat(args, k == 0 ? "" : ", ");
      strcat(args, value);
    }
    if (mode == 2) {
      /* Through the trigger: the values land in columns first (their types as stored). */
      char columns[128] = "fn";
      for (k = 0; k < arity; k++) {
        char one[24];
        snprintf(one, sizeof(one), ", a%d", k + 1);
        strcat(columns, one);
      }
      sql = sqlite3_mprintf("INSERT INTO fuzz_calls (%s) VALUES ('%s/%d'%s%s)", columns, fn->name, arity,
                            arity > 0 ? ", " : "", args);
    } else {
      sql = sqlite3_mprintf("SELECT %s(%s)", fn->name, args);
    }
    if (mode == 1) exec_or_die(db, "BEGIN");
    rc = run_sql(db, sql, &errors, &unclear);
    if (mode == 1) {
      if (sqlite3_get_autocommit(db) == 0) exec_or_die(db, rng() % 2 == 0 ? "COMMIT" : "ROLLBACK");
    }
    if (rc == SQLITE_OK) {
      ok++;
      if (arity == fn->arity) fn->ok++;
    }
    by_mode[mode]++;
    sqlite3_free(sql);
    /* Keep the file small: the calls' own rows are not what is under test. */
    if (i % 1000 == 999) exec_or_die(db, "DELETE FROM fuzz_calls");
  }

  {
    const char *integrity = "?";
    char result[256] = "";
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      integrity = (const char *)sqlite3_column_text(stmt, 0);
      snprintf(result, sizeof(result), "%s", integrity ? integrity : "?");
    }
    sqlite3_finalize(stmt);
    printf("{\"functions\":%d,\"calls\":%ld,\"ok\":%ld,\"errors\":%ld,\"unclearErrors\":%ld,"
           "\"plain\":%ld,\"inTransaction\":%ld,\"fromTrigger\":%ld,\"integrity\":\"%s\",\"neverSucceeded\":[",
           fn_count, calls, ok, errors, unclear, by_mode[0], by_mode[1], by_mode[2], result);
    /* A function no call ever ran to the end was only fuzzed in its argument checks. */
    for (i = 0, k_first = 1; i < fn_count; i++) {
      if (fns[i].ok > 0) continue;
      printf("%s\"%s/%d\"", k_first ? "" : ",", fns[i].name, fns[i].arity);
      k_first = 0;
    }
    printf("]}\n");
  }
  sqlite3_close(db);
  return 0;
}
