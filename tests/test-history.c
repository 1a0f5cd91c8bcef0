/* test-history.c — the offline history: merging, destroyed agents, logs,
 * retention, failures, and a crash while writing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "swarm-agent-private.h"
#include "swarm-core.h"
#include "swarm-test-utils.h"

#define BACKEND   "http://127.0.0.1:8080"
#define BACKEND_2 "https://swarm.example.org:443"
#define SECRET    "hist-secret-value-7f3a9c"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("swarm-history-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = g_build_filename (f->dir, "data", "swarmyard", "history.db", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* A full agent, with every field set and one secret environment value. */
static SwarmAgent *
make_agent (const char *id,
            const char *status,
            const char *result,
            gboolean    truncated)
{
  g_autofree char *json = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result_node = json_node_init_string (json_node_alloc (), result);
  g_autofree char *quoted = json_to_string (result_node, FALSE);
  gsize length;
  SwarmAgent *agent;

  json = g_strdup_printf (
    "{\"id\":\"%s\",\"name\":\"agent-%s\",\"agent_type\":\"coder\",\"status\":\"%s\","
    "\"sandbox_id\":\"local-%s\",\"task_description\":\"Do the thing\\nthen report\","
    "\"tokens_used\":1234,\"cost_usd\":0.0125,\"execution_time_ms\":4200,"
    "\"created_at\":\"2026-11-20T10:00:00.123456Z\",\"completed_at\":\"2026-11-20T10:01:00Z\","
    "\"error_message\":null,\"template\":\"python\",\"capabilities\":[\"code_generation\",\"testing\"],"
    "\"config\":{\"timeout\":600,\"model\":\"m/one\",\"max_steps\":12,\"max_cost_usd\":0.25},"
    "\"model\":\"m/one\",\"steps\":3,\"result\":%s,\"result_truncated\":%s,"
    "\"started_at\":\"2026-11-20T10:00:01Z\",\"updated_at\":\"2026-11-20T10:01:00Z\","
    "\"sandbox_driver\":\"local\",\"environment_keys\":[\"AUTH_TOKEN\"],"
    "\"environment\":{\"AUTH_TOKEN\":\"" SECRET "\"}}",
    id, id, status, id, quoted, truncated ? "true" : "false");

  length = strlen (json);
  bytes = g_bytes_new_take (g_steal_pointer (&json), length);
  agent = swarm_json_parse_agent (bytes, &error);
  g_assert_no_error (error);

  return agent;
}

static GPtrArray *
make_list (const char * const *ids)
{
  GPtrArray *agents = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; ids[i] != NULL; i++)
    g_ptr_array_add (agents, make_agent (ids[i], "running", "", FALSE));

  return agents;
}

static void
record_list (SwarmHistory *history,
             const char   *backend,
             GPtrArray    *agents,
             gint64        time_us)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;

  swarm_history_record_list_async (history, backend, agents, time_us, NULL,
                                   swarm_test_store_result_cb, &result);
  swarm_history_record_list_finish (history, swarm_test_wait_result_into (&result, &done), &error);
  g_assert_no_error (error);
}

static void
sync_history (SwarmHistory *history)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;

  swarm_history_sync_async (history, NULL, swarm_test_store_result_cb, &result);
  swarm_history_sync_finish (history, swarm_test_wait_result_into (&result, &done), &error);
  g_assert_no_error (error);
}

static SwarmHistorySnapshot *
load (SwarmHistory *history,
      const char   *backend)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  SwarmHistorySnapshot *snapshot;

  swarm_history_load_async (history, backend, NULL, swarm_test_store_result_cb, &result);
  snapshot = swarm_history_load_finish (history, swarm_test_wait_result_into (&result, &done), &error);
  g_assert_no_error (error);
  g_assert_nonnull (snapshot);

  return snapshot;
}

/* Loads from a new history object on the same file: what a new launch sees. */
static SwarmHistorySnapshot *
reload (Fixture    *f,
        const char *backend,
        guint       retention_days)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (f->path, retention_days);
  SwarmHistorySnapshot *snapshot = load (history, backend);

  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
  return snapshot;
}

static SwarmAgent *
find (GPtrArray  *agents,
      const char *id)
{
  for (guint i = 0; i < agents->len; i++)
    if (g_str_equal (swarm_agent_get_id (g_ptr_array_index (agents, i)), id))
      return g_ptr_array_index (agents, i);

  return NULL;
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static void
exec_sql (Fixture    *f,
          const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  /* The file is binary: look at every byte, NULs included. */
  for (gsize i = 0; i + strlen (needle) <= length; i++)
    if (memcmp (contents + i, needle, strlen (needle)) == 0)
      return TRUE;

  return FALSE;
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(SwarmHistorySnapshot) snapshot = reload (f, BACKEND, 0);
  g_autofree char *dir = g_path_get_dirname (f->path);
  GStatBuf st;

  g_assert_cmpuint (snapshot->agents->len, ==, 0);
  g_assert_cmpuint (snapshot->destroyed->len, ==, 0);
  g_assert_cmpint (snapshot->last_success_us, ==, 0);

  /* Private from the start: the history holds tasks and results. */
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (query_int (f, "PRAGMA user_version"), ==, SWARM_HISTORY_SCHEMA_VERSION);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), ==, 1);
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (f->path, 0);
  g_autoptr(GPtrArray) agents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SwarmHistorySnapshot) snapshot = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  gint64 listed_at = g_get_real_time ();

  g_ptr_array_add (agents, make_agent ("a1", "completed", "Printed 100 lines; Ünïcödé ✓", FALSE));
  g_ptr_array_add (agents, make_agent ("a2", "running", "", FALSE));
  /* Absent optional fields stay absent. */
  g_clear_pointer (&((SwarmAgent *) agents->pdata[1])->sandbox_id, g_free);
  g_clear_pointer (&((SwarmAgent *) agents->pdata[1])->capabilities, g_strfreev);
  g_clear_pointer (&((SwarmAgent *) agents->pdata[1])->completed_at, g_date_time_unref);

  record_list (history, BACKEND, agents, listed_at);
  sync_history (history);
  swarm_test_assert_finalize_soon (g_steal_pointer (&history));

  snapshot = reload (f, BACKEND, 0);
  g_assert_cmpuint (snapshot->agents->len, ==, 2);
  g_assert_cmpuint (snapshot->destroyed->len, ==, 0);
  g_assert_cmpint (snapshot->last_success_us, ==, listed_at);

  for (guint i = 0; i < agents->len; i++)
    {
      SwarmAgent *original = g_ptr_array_index (agents, i);
      SwarmAgent *loaded = find (snapshot->agents, swarm_agent_get_id (original));

      g_assert_nonnull (loaded);
      /* Every field but the environment values comes back. */
      g_assert_null (swarm_agent_get_environment (loaded));
      g_assert_cmpstrv (swarm_agent_get_environment_keys (loaded),
                        ((const char * const[]) { "AUTH_TOKEN", NULL }));
      g_clear_pointer (&original->environment, g_hash_table_unref);
      g_assert_cmpuint (swarm_agent_fingerprint (loaded), ==, swarm_agent_fingerprint (original));
      g_assert_null (swarm_agent_get_destroyed_at (loaded));
    }
  g_assert_null (swarm_agent_get_sandbox_id (find (snapshot->agents, "a2")));
  g_assert_cmpstr (swarm_agent_get_result (find (snapshot->agents, "a1")), ==,
                   "Printed 100 lines; Ünïcödé ✓");

  /* The environment value never reached the disk; the key name did (the
   * positive control that the grep reads the right files). */
  g_assert_true (file_contains (f->path, "AUTH_TOKEN") || file_contains (wal, "AUTH_TOKEN"));
  g_assert_false (file_contains (f->path, SECRET));
  g_assert_false (file_contains (wal, SECRET));

  /* Another backend's history is another history. */
  {
    g_autoptr(SwarmHistorySnapshot) other = reload (f, BACKEND_2, 0);

    g_assert_cmpuint (other->agents->len, ==, 0);
  }
}

static void
test_unchanged_not_written (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (f->path, 0);
  const char *ids[] = { "u1", "u2", "u3", NULL };
  g_autoptr(GPtrArray) first = make_list (ids);
  g_autoptr(GPtrArray) second = make_list (ids);
  g_autoptr(GPtrArray) third = make_list (ids);

  record_list (history, BACKEND, first, 1000);
  sync_history (history);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM agents WHERE seen_us = 1000"), ==, 3);

  /* Nothing changed: no agent row is written again. */
  record_list (history, BACKEND, second, 2000);
  sync_history (history);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM agents WHERE seen_us = 1000"), ==, 3);
  g_assert_cmpint (query_int (f, "SELECT last_success_us FROM backends"), ==, 2000);

  /* One changed: that one is. */
  ((SwarmAgent *) third->pdata[1])->tokens_used = 99999;
  record_list (history, BACKEND, third, 3000);
  sync_history (history);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM agents WHERE seen_us = 1000"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT tokens FROM agents WHERE id = 'u2'"), ==, 99999);

  /* A new history object on the file knows what is stored. */
  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
  history = swarm_history_new (f->path, 0);
  record_list (history, BACKEND, third, 4000);
  sync_history (history);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM agents WHERE seen_us = 3000"), ==, 1);
  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
}

static void
test_truncated_result (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (f->path, 0);
  g_autoptr(GString) full = g_string_new (NULL);
  g_autoptr(SwarmAgent) detailed = NULL;
  g_autoptr(GPtrArray) listed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rewritten = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SwarmHistorySnapshot) snapshot = NULL;
  g_autofree char *cut = NULL;

  for (guint i = 0; i < 300; i++)
    g_string_append_printf (full, "line %u\n", i);
  cut = g_strndup (full->str, 1024);

  /* The details view stored the whole result... */
  detailed = make_agent ("t1", "completed", full->str, FALSE);
  swarm_history_record_agent (history, BACKEND, detailed);

  /* ...and a later list, in list form, has it cut to 1 KiB. */
  g_ptr_array_add (listed, make_agent ("t1", "completed", cut, TRUE));
  ((SwarmAgent *) listed->pdata[0])->tokens_used = 5555;
  record_list (history, BACKEND, listed, 1000);
  sync_history (history);

  snapshot = load (history, BACKEND);
  g_assert_cmpstr (swarm_agent_get_result (find (snapshot->agents, "t1")), ==, full->str);
  g_assert_false (swarm_agent_get_result_truncated (find (snapshot->agents, "t1")));
  /* The rest of the row did come from the list. */
  g_assert_cmpint (swarm_agent_get_tokens_used (find (snapshot->agents, "t1")), ==, 5555);
  g_clear_pointer (&snapshot, swarm_history_snapshot_free);

  /* Control: a result that is not cut does replace what was there. */
  g_ptr_array_add (rewritten, make_agent ("t1", "completed", "short and whole", FALSE));
  record_list (history, BACKEND, rewritten, 2000);
  sync_history (history);
  snapshot = load (history, BACKEND);
  g_assert_cmpstr (swarm_agent_get_result (find (snapshot->agents, "t1")), ==, "short and whole");

  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
}

static void
test_destroyed (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (f->path, 0);
  const char *abc[] = { "a", "b", "c", "d", NULL };
  const char *ac[] = { "a", "c", "d", NULL };
  const char *x[] = { "x", NULL };
  g_autoptr(GPtrArray) first = make_list (abc);
  g_autoptr(GPtrArray) second = make_list (ac);
  g_autoptr(GPtrArray) other = make_list (x);
  g_autoptr(GPtrArray) third = make_list (abc);
  g_autoptr(SwarmHistorySnapshot) snapshot = NULL;
  SwarmAgent *b;

  record_list (history, BACKEND, first, 1000000);
  /* A complete list without "b": destroyed, at the time of that list. */
  record_list (history, BACKEND, second, 2000000);
  /* Another backend's list destroys nothing of this one. */
  record_list (history, BACKEND_2, other, 3000000);
  /* The app destroyed "c". */
  swarm_history_mark_destroyed (history, BACKEND, "c", 4000000);
  sync_history (history);

  snapshot = load (history, BACKEND);
  g_assert_cmpuint (snapshot->agents->len, ==, 2);
  g_assert_nonnull (find (snapshot->agents, "a"));
  g_assert_nonnull (find (snapshot->agents, "d"));
  g_assert_cmpuint (snapshot->destroyed->len, ==, 2);
  b = find (snapshot->destroyed, "b");
  g_assert_nonnull (b);
  g_assert_cmpint (g_date_time_to_unix (swarm_agent_get_destroyed_at (b)), ==, 2);
  g_assert_cmpint (g_date_time_to_unix (swarm_agent_get_destroyed_at (find (snapshot->destroyed, "c"))), ==, 4);
  g_clear_pointer (&snapshot, swarm_history_snapshot_free);

  snapshot = load (history, BACKEND_2);
  g_assert_cmpuint (snapshot->agents->len, ==, 1);
  g_assert_cmpuint (snapshot->destroyed->len, ==, 0);
  g_clear_pointer (&snapshot, swarm_history_snapshot_free);

  /* A failed request records nothing, so nothing is marked: the history
   * after a reload still has "a" and "d" alive.  And an agent listed
   * again is no longer destroyed. */
  record_list (history, BACKEND, third, 5000000);
  sync_history (history);
  snapshot = load (history, BACKEND);
  g_assert_cmpuint (snapshot->agents->len, ==, 4);
  g_assert_cmpuint (snapshot->destroyed->len, ==, 0);

  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
}

static void
test_logs (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (f->path, 0);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) swarm_log_entry_free);
  g_autoptr(GPtrArray) overlap = g_ptr_array_new_with_free_func ((GDestroyNotify) swarm_log_entry_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(SwarmLogPage) page = NULL;
  g_autoptr(GError) error = NULL;

  for (gint64 seq = 1; seq <= 150; seq++)
    {
      SwarmLogEntry *entry = g_new0 (SwarmLogEntry, 1);

      entry->seq = seq;
      entry->time = g_date_time_new_from_unix_utc (1700000000 + seq);
      entry->kind = seq % 2 ? SWARM_LOG_KIND_TOOL : SWARM_LOG_KIND_OUTPUT;
      entry->text = g_strdup_printf ("entry %" G_GINT64_FORMAT, seq);
      g_ptr_array_add (entries, entry);
    }
  /* A later fetch overlaps the first and goes past 200. */
  for (gint64 seq = 101; seq <= 260; seq++)
    {
      SwarmLogEntry *entry = g_new0 (SwarmLogEntry, 1);

      entry->seq = seq;
      entry->time = g_date_time_new_from_unix_utc (1700000000 + seq);
      entry->kind = SWARM_LOG_KIND_SYSTEM;
      entry->text = g_strdup_printf ("entry %" G_GINT64_FORMAT, seq);
      g_ptr_array_add (overlap, entry);
    }

  swarm_history_record_logs (history, BACKEND, "l1", entries);
  swarm_history_record_logs (history, BACKEND, "l1", overlap);
  swarm_history_record_logs (history, BACKEND_2, "l1", entries);

  swarm_history_load_logs_async (history, BACKEND, "l1", NULL, swarm_test_store_result_cb, &result);
  page = swarm_history_load_logs_finish (history, swarm_test_wait_result_into (&result, &done), &error);
  g_assert_no_error (error);

  g_assert_cmpuint (page->entries->len, ==, SWARM_HISTORY_MAX_LOGS);
  g_assert_cmpint (((SwarmLogEntry *) page->entries->pdata[0])->seq, ==, 61);
  g_assert_cmpint (((SwarmLogEntry *) page->entries->pdata[199])->seq, ==, 260);
  g_assert_cmpstr (((SwarmLogEntry *) page->entries->pdata[199])->text, ==, "entry 260");
  g_assert_cmpint (((SwarmLogEntry *) page->entries->pdata[0])->kind, ==, SWARM_LOG_KIND_TOOL);
  g_assert_cmpint (g_date_time_to_unix (((SwarmLogEntry *) page->entries->pdata[0])->time), ==,
                   1700000061);
  g_assert_cmpint (page->next, ==, 260);
  /* Trimmed on disk too, and per backend. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM logs WHERE backend = '" BACKEND "'"), ==, 200);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM logs WHERE backend = '" BACKEND_2 "'"), ==, 150);

  g_clear_object (&done);
  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
}

static void
test_retention (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (f->path, 0);
  const char *ids[] = { "old", "recent", "alive", NULL };
  g_autoptr(GPtrArray) agents = make_list (ids);
  g_autoptr(GPtrArray) logs = g_ptr_array_new_with_free_func ((GDestroyNotify) swarm_log_entry_free);
  SwarmLogEntry *entry = g_new0 (SwarmLogEntry, 1);
  gint64 now = g_get_real_time ();
  gint64 day = G_GINT64_CONSTANT (24) * 3600 * G_USEC_PER_SEC;

  entry->seq = 1;
  entry->time = g_date_time_new_now_utc ();
  entry->text = g_strdup ("kept with its agent");
  g_ptr_array_add (logs, entry);

  record_list (history, BACKEND, agents, now - 100 * day);
  swarm_history_mark_destroyed (history, BACKEND, "old", now - 40 * day);
  swarm_history_mark_destroyed (history, BACKEND, "recent", now - 10 * day);
  swarm_history_record_logs (history, BACKEND, "old", logs);
  swarm_history_record_logs (history, BACKEND, "recent", logs);
  sync_history (history);
  swarm_test_assert_finalize_soon (g_steal_pointer (&history));

  /* Control: kept forever, both destroyed agents are still there. */
  {
    g_autoptr(SwarmHistorySnapshot) snapshot = reload (f, BACKEND, 0);

    g_assert_cmpuint (snapshot->destroyed->len, ==, 2);
  }

  /* 90 days: both stay.  30 days: the one destroyed 40 days ago goes, with
   * its logs; an agent still listed never expires, however old. */
  {
    g_autoptr(SwarmHistorySnapshot) snapshot = reload (f, BACKEND, 90);

    g_assert_cmpuint (snapshot->destroyed->len, ==, 2);
  }
  {
    g_autoptr(SwarmHistorySnapshot) snapshot = reload (f, BACKEND, 30);

    g_assert_cmpuint (snapshot->destroyed->len, ==, 1);
    g_assert_nonnull (find (snapshot->destroyed, "recent"));
    g_assert_cmpuint (snapshot->agents->len, ==, 1);
    g_assert_nonnull (find (snapshot->agents, "alive"));
  }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM logs WHERE agent_id = 'old'"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM logs WHERE agent_id = 'recent'"), ==, 1);
}

static void
on_write_failed_cb (SwarmHistory *history,
                    const char   *message,
                    gpointer      user_data)
{
  char **slot = user_data;

  g_free (*slot);
  *slot = g_strdup (message);
}

static gboolean
string_set (gpointer data)
{
  return *(char **) data != NULL;
}

static void
test_write_failure (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (f->path, 0);
  const char *ids[] = { "w1", "w2", NULL };
  g_autoptr(GPtrArray) agents = make_list (ids);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_signal_connect (history, "write-failed", G_CALLBACK (on_write_failed_cb), &message);

  /* Open the file, then make every insert fail as a full disk would. */
  sync_history (history);
  exec_sql (f, "CREATE TRIGGER fail BEFORE INSERT ON agents "
               "BEGIN SELECT RAISE (ABORT, 'database or disk is full'); END;");

  record_list (history, BACKEND, agents, 1000);
  g_assert_true (swarm_test_wait_until (string_set, &message, 5000));
  g_assert_nonnull (strstr (message, "disk is full"));

  swarm_history_sync_async (history, NULL, swarm_test_store_result_cb, &result);
  g_assert_false (swarm_history_sync_finish (history, swarm_test_wait_result_into (&result, &done), &error));
  g_assert_error (error, SWARM_HISTORY_ERROR, SWARM_HISTORY_ERROR_QUERY);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM agents"), ==, 0);

  /* Once the disk has room again, the same list is written in full: a
   * failed write is not taken for a stored one. */
  exec_sql (f, "DROP TRIGGER fail");
  record_list (history, BACKEND, agents, 2000);
  sync_history (history);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM agents"), ==, 2);

  g_clear_object (&done);
  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
}

static void
test_unavailable (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *blocker = g_build_filename (f->dir, "data", NULL);
  g_autoptr(SwarmHistory) history = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(SwarmHistorySnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  /* The data folder is a file: nothing can be created under it. */
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  history = swarm_history_new (f->path, 0);

  swarm_history_load_async (history, BACKEND, NULL, swarm_test_store_result_cb, &result);
  snapshot = swarm_history_load_finish (history, swarm_test_wait_result_into (&result, &done), &error);
  g_assert_null (snapshot);
  g_assert_error (error, SWARM_HISTORY_ERROR, SWARM_HISTORY_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, "The history is unavailable"));
  g_clear_error (&error);

  /* Writes are dropped quietly (the load said why), and nothing hangs. */
  {
    g_autoptr(SwarmAgent) agent = make_agent ("x", "running", "", FALSE);

    swarm_history_record_agent (history, BACKEND, agent);
  }
  swarm_history_sync_async (history, NULL, swarm_test_store_result_cb, &result);
  g_assert_false (swarm_history_sync_finish (history, swarm_test_wait_result_into (&result, &done), &error));
  g_assert_error (error, SWARM_HISTORY_ERROR, SWARM_HISTORY_ERROR_OPEN);
  g_unlink (blocker);

  g_clear_object (&done);
  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
}

static void
test_newer_schema (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SwarmHistory) history = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(SwarmHistorySnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  swarm_history_snapshot_free (reload (f, BACKEND, 0));
  exec_sql (f, "PRAGMA user_version = 99");

  history = swarm_history_new (f->path, 0);
  swarm_history_load_async (history, BACKEND, NULL, swarm_test_store_result_cb, &result);
  snapshot = swarm_history_load_finish (history, swarm_test_wait_result_into (&result, &done), &error);
  g_assert_null (snapshot);
  g_assert_error (error, SWARM_HISTORY_ERROR, SWARM_HISTORY_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, "newer version"));
  /* The file is left as it was, for the newer version. */
  g_clear_object (&done);
  swarm_test_assert_finalize_soon (g_steal_pointer (&history));
  g_assert_cmpint (query_int (f, "PRAGMA user_version"), ==, 99);
}

/* ---- kill -9 while writing --------------------------------------------- */

#define BATCH 200

/* The child: writes lists of growing size and prints, after each has been
 * committed (the sync completes after the write), how many agents are in. */
static int
run_writer (const char *path)
{
  g_autoptr(SwarmHistory) history = swarm_history_new (path, 0);
  g_autoptr(GPtrArray) agents = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint round = 1; ; round++)
    {
      for (guint i = 0; i < BATCH; i++)
        {
          g_autofree char *id = g_strdup_printf ("k-%u-%u", round, i);

          g_ptr_array_add (agents, make_agent (id, "running", "partial output", FALSE));
        }

      record_list (history, BACKEND, agents, round);
      sync_history (history);
      g_print ("%u\n", agents->len);
      fflush (stdout);
    }

  return 0;
}

static void
test_kill_while_writing (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GSubprocess) writer = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmHistorySnapshot) snapshot = NULL;
  g_autofree char *dir = g_path_get_dirname (f->path);
  const char *self_exe = g_test_get_filename (G_TEST_BUILT, "test-history", NULL);
  guint committed = 0;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  writer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             self_exe, "--writer", f->path, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (writer));

  /* Let it commit a few rounds, then kill it in the middle of the next:
   * each round writes more rows than the one before. */
  while (committed < 8 * BATCH)
    {
      g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      committed = (guint) g_ascii_strtoull (line, NULL, 10);
    }
  g_usleep (G_USEC_PER_SEC / 50);
  g_subprocess_send_signal (writer, SIGKILL);
  g_subprocess_wait (writer, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (writer));
  g_assert_cmpint (g_subprocess_get_term_sig (writer), ==, SIGKILL);

  /* Read whatever the child printed before it died: it may have
   * committed more than the parent read. */
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, NULL);

      if (line == NULL)
        break;
      committed = MAX (committed, (guint) g_ascii_strtoull (line, NULL, 10));
    }

  g_assert_cmpint (query_int (f, "SELECT count(*) FROM pragma_integrity_check "
                                 "WHERE integrity_check = 'ok'"), ==, 1);
  snapshot = reload (f, BACKEND, 0);
  g_test_message ("committed %u agents before SIGKILL; the file has %u", committed,
                  snapshot->agents->len);
  g_assert_cmpuint (snapshot->agents->len, >=, committed);
  /* At most the round in flight on top. */
  g_assert_cmpuint (snapshot->agents->len, <=, committed + 2 * BATCH);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");

  if (argc == 3 && g_str_equal (argv[1], "--writer"))
    return run_writer (argv[2]);

  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/history/" name, Fixture, NULL, set_up, func, tear_down)

  ADD ("empty", test_empty);
  ADD ("round-trip", test_round_trip);
  ADD ("unchanged-not-written", test_unchanged_not_written);
  ADD ("truncated-result", test_truncated_result);
  ADD ("destroyed", test_destroyed);
  ADD ("logs", test_logs);
  ADD ("retention", test_retention);
  ADD ("write-failure", test_write_failure);
  ADD ("unavailable", test_unavailable);
  ADD ("newer-schema", test_newer_schema);
  ADD ("kill-while-writing", test_kill_while_writing);

#undef ADD

  return g_test_run ();
}
