/* swarm-history.c — every agent the app has seen, kept for offline browsing
 *
 * One SQLite file in the user data directory (it may be the only copy of
 * an agent's result once the backend forgot it), WAL, schema versioned
 * with PRAGMA user_version.  Rows are keyed by the normalised backend URL
 * and the agent id; each field of the contract has its own column, so
 * loading 10,000 agents costs no JSON parsing.  Environment values are
 * never written: an agent's copy has none (swarm_agent_dup()).
 *
 * All database work happens in one thread of the history's own, which
 * takes jobs from a queue in order: a refresh's writes land before the
 * next refresh's, and the main thread never waits for the disk.  A
 * listed agent is written only when its fingerprint differs from the one
 * stored with it, so a refresh where nothing changed writes one row (the
 * time of the list).  swarm_history_record_list_async() completes as soon
 * as the worker has read the agents (and copied the changed ones); the
 * caller may then hand them to a table, and the writes go on behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-history"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "swarm-agent-private.h"
#include "swarm-history.h"
#include "swarm-utils.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

typedef enum
{
  JOB_LOAD,
  JOB_RECORD_LIST,
  JOB_RECORD_AGENT,
  JOB_MARK_DESTROYED,
  JOB_RECORD_LOGS,
  JOB_LOAD_LOGS,
  JOB_SYNC,
  JOB_QUIT,
} JobKind;

typedef struct
{
  JobKind    kind;
  GTask     *task;       /* (owned) (nullable) */
  char      *backend;    /* (owned) (nullable) */
  char      *agent_id;   /* (owned) (nullable) */
  GPtrArray *agents;     /* (owned) (nullable) (element-type SwarmAgent) */
  GPtrArray *entries;    /* (owned) (nullable) (element-type SwarmLogEntry) */
  gint64     time_us;
} Job;

/* Lets the worker reach the history object from the main context only:
 * the worker never holds a reference to it, or its last unref could run
 * dispose (and join the worker) in the worker itself. */
typedef struct
{
  gatomicrefcount  ref;
  SwarmHistory    *history;   /* (nullable): read and cleared in the main context */
} Owner;

/* Everything below is touched by the worker thread only, except `queue`. */
typedef struct
{
  GAsyncQueue  *queue;        /* (owned) (element-type Job) */
  char         *path;         /* (owned) */
  guint         retention_days;
  GMainContext *context;      /* (owned): the context the history was made in */
  Owner        *owner;        /* (owned) */

  gboolean      opened;
  GError       *open_error;   /* (owned) (nullable) */
  GError       *write_error;  /* (owned) (nullable): first since the last sync */
  sqlite3      *db;
  sqlite3_stmt *upsert;
  sqlite3_stmt *destroy;
  sqlite3_stmt *touch_backend;
  sqlite3_stmt *insert_log;
  sqlite3_stmt *trim_logs;
  GHashTable   *known;        /* backend → (id → guint64 fingerprint *), agents not destroyed */
} Worker;

struct _SwarmHistory
{
  GObject  parent_instance;

  Worker  *worker;   /* (owned) */
  GThread *thread;   /* (owned) */
};

enum {
  SIGNAL_WRITE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SwarmHistory, swarm_history, G_TYPE_OBJECT)
G_DEFINE_QUARK (swarm-history-error-quark, swarm_history_error)

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_free (job->backend);
  g_free (job->agent_id);
  g_clear_pointer (&job->agents, g_ptr_array_unref);
  g_clear_pointer (&job->entries, g_ptr_array_unref);
  g_free (job);
}

void
swarm_history_snapshot_free (SwarmHistorySnapshot *snapshot)
{
  if (snapshot == NULL)
    return;

  g_clear_pointer (&snapshot->agents, g_ptr_array_unref);
  g_clear_pointer (&snapshot->destroyed, g_ptr_array_unref);
  g_free (snapshot);
}

static Owner *
owner_ref (Owner *owner)
{
  g_atomic_ref_count_inc (&owner->ref);
  return owner;
}

static void
owner_unref (gpointer data)
{
  Owner *owner = data;

  if (g_atomic_ref_count_dec (&owner->ref))
    g_free (owner);
}

/* Runs @func where the history was made.  Not g_main_context_invoke():
 * when that context is idle it would run @func right here, in the worker. */
static void
run_in_owner_context (Worker         *w,
                      GSourceFunc     func,
                      gpointer        data,
                      GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[swarm-history] to the owner");
  g_source_attach (source, w->context);
  g_source_unref (source);
}

static gboolean
drop_task (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

/* A task's last reference may hold the last reference to the history:
 * it is dropped in the history's own context, never in the worker. */
static void
release_task (Worker  *w,
              GTask  **task)
{
  if (*task != NULL)
    run_in_owner_context (w, drop_task, g_steal_pointer (task), NULL);
}

/* ---- SQLite helpers (worker thread) ------------------------------------ */

static gboolean
set_db_error (Worker             *w,
              SwarmHistoryError   code,
              const char         *what,
              GError            **error)
{
  g_set_error (error, SWARM_HISTORY_ERROR, code, "%s: %s", what,
               w->db != NULL ? sqlite3_errmsg (w->db) : g_strerror (ENOMEM));
  return FALSE;
}

static gboolean
exec (Worker      *w,
      const char  *sql,
      GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (w->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, SWARM_HISTORY_ERROR, SWARM_HISTORY_ERROR_QUERY, "%s",
                   message != NULL ? message : sqlite3_errmsg (w->db));
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
prepare (Worker        *w,
         const char    *sql,
         sqlite3_stmt **stmt,
         GError       **error)
{
  if (sqlite3_prepare_v3 (w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
    return set_db_error (w, SWARM_HISTORY_ERROR_SCHEMA, "Cannot prepare a statement", error);

  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static void
bind_time (sqlite3_stmt *stmt,
           int           index,
           GDateTime    *time)
{
  if (time != NULL)
    sqlite3_bind_int64 (stmt, index, swarm_date_time_to_unix_us (time));
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  const unsigned char *text = sqlite3_column_text (stmt, index);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static GDateTime *
date_time_from_us (gint64 us)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);

  if (seconds == NULL)
    return NULL;

  return g_date_time_add (seconds, us % G_USEC_PER_SEC);
}

static GDateTime *
column_time (sqlite3_stmt *stmt,
             int           index)
{
  if (sqlite3_column_type (stmt, index) == SQLITE_NULL)
    return NULL;

  return date_time_from_us (sqlite3_column_int64 (stmt, index));
}

static char **
column_strv (sqlite3_stmt *stmt,
             int           index)
{
  const char *text = (const char *) sqlite3_column_text (stmt, index);

  /* Capability and variable names are identifiers: no newlines. */
  return text != NULL ? g_strsplit (text, "\n", -1) : NULL;
}

static char *
join_strv (char **strv)
{
  return strv != NULL ? g_strjoinv ("\n", strv) : NULL;
}

/* ---- Opening (worker thread) ------------------------------------------- */

#define AGENT_COLUMNS                                                        \
  "name, agent_type, status, sandbox_id, task, tokens, cost, exec_ms, "      \
  "created_us, completed_us, error_message, template, capabilities, "        \
  "config_timeout, config_model, config_max_steps, config_max_cost, model, " \
  "steps, result, result_truncated, started_us, updated_us, sandbox_driver, " \
  "environment_keys"

static gboolean
migrate (Worker  *w,
         GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int version;

  if (sqlite3_prepare_v2 (w->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      return set_db_error (w, SWARM_HISTORY_ERROR_SCHEMA, "Cannot read the schema version", error);
    }
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version > SWARM_HISTORY_SCHEMA_VERSION)
    {
      g_set_error (error, SWARM_HISTORY_ERROR, SWARM_HISTORY_ERROR_SCHEMA,
                   _("The history was written by a newer version of Swarmyard (schema %d)."),
                   version);
      return FALSE;
    }

  if (version < 1)
    return exec (w,
                 "BEGIN;"
                 "CREATE TABLE agents ("
                 "  backend TEXT NOT NULL,"
                 "  id TEXT NOT NULL,"
                 "  fp INTEGER NOT NULL,"
                 "  seen_us INTEGER NOT NULL,"
                 "  destroyed_us INTEGER,"
                 "  name TEXT NOT NULL,"
                 "  agent_type TEXT NOT NULL,"
                 "  status TEXT NOT NULL,"
                 "  sandbox_id TEXT,"
                 "  task TEXT NOT NULL,"
                 "  tokens INTEGER NOT NULL,"
                 "  cost REAL NOT NULL,"
                 "  exec_ms INTEGER NOT NULL,"
                 "  created_us INTEGER,"
                 "  completed_us INTEGER,"
                 "  error_message TEXT,"
                 "  template TEXT,"
                 "  capabilities TEXT,"
                 "  config_timeout INTEGER NOT NULL,"
                 "  config_model TEXT,"
                 "  config_max_steps INTEGER NOT NULL,"
                 "  config_max_cost REAL NOT NULL,"
                 "  model TEXT,"
                 "  steps INTEGER NOT NULL,"
                 "  result TEXT,"
                 "  result_truncated INTEGER NOT NULL,"
                 "  started_us INTEGER,"
                 "  updated_us INTEGER,"
                 "  sandbox_driver TEXT,"
                 "  environment_keys TEXT,"
                 "  PRIMARY KEY (backend, id));"
                 "CREATE INDEX agents_destroyed ON agents (destroyed_us) "
                 "  WHERE destroyed_us IS NOT NULL;"
                 "CREATE TABLE logs ("
                 "  backend TEXT NOT NULL,"
                 "  agent_id TEXT NOT NULL,"
                 "  seq INTEGER NOT NULL,"
                 "  time_us INTEGER NOT NULL,"
                 "  kind TEXT NOT NULL,"
                 "  text TEXT NOT NULL,"
                 "  PRIMARY KEY (backend, agent_id, seq)) WITHOUT ROWID;"
                 "CREATE TABLE backends ("
                 "  url TEXT PRIMARY KEY,"
                 "  last_success_us INTEGER NOT NULL) WITHOUT ROWID;"
                 "PRAGMA user_version = 1;"
                 "COMMIT;", error);

  return TRUE;
}

static gboolean
apply_retention (Worker  *w,
                 GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 cutoff;
  int rc = SQLITE_OK;

  if (w->retention_days == 0)
    return TRUE;

  /* Only agents gone from their backend expire: the others are still
   * listed, and would come straight back. */
  cutoff = g_get_real_time () - (gint64) w->retention_days * 24 * 3600 * G_USEC_PER_SEC;

  if (!exec (w, "BEGIN", error))
    return FALSE;

  if (sqlite3_prepare_v2 (w->db,
                          "DELETE FROM logs WHERE (backend, agent_id) IN "
                          "(SELECT backend, id FROM agents WHERE destroyed_us < ?1)",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, cutoff);
      rc = sqlite3_step (stmt);
      sqlite3_finalize (stmt);
      stmt = NULL;
    }
  else
    {
      rc = SQLITE_ERROR;
    }

  if (rc == SQLITE_DONE &&
      sqlite3_prepare_v2 (w->db, "DELETE FROM agents WHERE destroyed_us < ?1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, cutoff);
      rc = sqlite3_step (stmt);
      sqlite3_finalize (stmt);
    }
  else if (rc == SQLITE_DONE)
    {
      rc = SQLITE_ERROR;
    }

  if (rc != SQLITE_DONE)
    {
      set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot apply the retention", error);
      exec (w, "ROLLBACK", NULL);
      return FALSE;
    }

  return exec (w, "COMMIT", error);
}

static gboolean
open_database (Worker  *w,
               GError **error)
{
  g_autofree char *dir = g_path_get_dirname (w->path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, SWARM_HISTORY_ERROR, SWARM_HISTORY_ERROR_OPEN,
                   _("Cannot create the folder “%s”: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  /* Created here so it is private from the start; SQLite gives its -wal
   * and -shm files the same mode. */
  fd = g_open (w->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, SWARM_HISTORY_ERROR, SWARM_HISTORY_ERROR_OPEN,
                   _("Cannot open “%s”: %s"), w->path, g_strerror (saved));
      return FALSE;
    }
  g_close (fd, NULL);

  if (sqlite3_open_v2 (w->path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    return set_db_error (w, SWARM_HISTORY_ERROR_OPEN, "Cannot open the history", error);

  sqlite3_busy_timeout (w->db, 2000);

  /* synchronous=FULL: a refresh commits every few seconds at most, and a
   * crash or a power cut must not lose what was committed. */
  /* A small page cache: the app reads the file once, at start. */
  if (!exec (w, "PRAGMA journal_mode = WAL", error) ||
      !exec (w, "PRAGMA synchronous = FULL", error) ||
      !exec (w, "PRAGMA cache_size = -512", error) ||
      !migrate (w, error) ||
      !apply_retention (w, error))
    return FALSE;

  return prepare (w,
                  "INSERT INTO agents (backend, id, fp, seen_us, " AGENT_COLUMNS ") "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                  "        ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29) "
                  "ON CONFLICT (backend, id) DO UPDATE SET "
                  "  fp = excluded.fp, seen_us = excluded.seen_us,"
                  "  destroyed_us = CASE WHEN ?30 THEN NULL ELSE destroyed_us END,"
                  "  name = excluded.name, agent_type = excluded.agent_type,"
                  "  status = excluded.status, sandbox_id = excluded.sandbox_id,"
                  "  task = excluded.task, tokens = excluded.tokens, cost = excluded.cost,"
                  "  exec_ms = excluded.exec_ms, created_us = excluded.created_us,"
                  "  completed_us = excluded.completed_us,"
                  "  error_message = excluded.error_message, template = excluded.template,"
                  "  capabilities = excluded.capabilities,"
                  "  config_timeout = excluded.config_timeout,"
                  "  config_model = excluded.config_model,"
                  "  config_max_steps = excluded.config_max_steps,"
                  "  config_max_cost = excluded.config_max_cost, model = excluded.model,"
                  "  steps = excluded.steps,"
                  /* A cut result never replaces a longer one. */
                  "  result = CASE WHEN excluded.result_truncated AND"
                  "    length (result) > length (coalesce (excluded.result, ''))"
                  "    THEN result ELSE excluded.result END,"
                  "  result_truncated = CASE WHEN excluded.result_truncated AND"
                  "    length (result) > length (coalesce (excluded.result, ''))"
                  "    THEN result_truncated ELSE excluded.result_truncated END,"
                  "  started_us = excluded.started_us, updated_us = excluded.updated_us,"
                  "  sandbox_driver = excluded.sandbox_driver,"
                  "  environment_keys = excluded.environment_keys",
                  &w->upsert, error) &&
         prepare (w,
                  "UPDATE agents SET destroyed_us = ?3 "
                  "WHERE backend = ?1 AND id = ?2 AND destroyed_us IS NULL",
                  &w->destroy, error) &&
         prepare (w,
                  "INSERT INTO backends (url, last_success_us) VALUES (?1, ?2) "
                  "ON CONFLICT (url) DO UPDATE SET last_success_us = excluded.last_success_us",
                  &w->touch_backend, error) &&
         prepare (w,
                  "INSERT OR REPLACE INTO logs (backend, agent_id, seq, time_us, kind, text) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                  &w->insert_log, error) &&
         prepare (w,
                  "DELETE FROM logs WHERE backend = ?1 AND agent_id = ?2 AND seq <= "
                  "(SELECT seq FROM logs WHERE backend = ?1 AND agent_id = ?2 "
                  " ORDER BY seq DESC LIMIT 1 OFFSET ?3)",
                  &w->trim_logs, error);
}

/* Opens the file on the first job; a failure is kept and returned by every
 * later job, so the app says once why there is no history. */
static gboolean
ensure_open (Worker  *w,
             GError **error)
{
  if (!w->opened)
    {
      w->opened = TRUE;
      if (!open_database (w, &w->open_error))
        {
          g_debug ("History unavailable: %s", w->open_error->message);
          g_clear_pointer (&w->db, sqlite3_close);
        }
    }

  if (w->open_error != NULL)
    {
      g_set_error (error, SWARM_HISTORY_ERROR, w->open_error->code,
                   _("The history is unavailable: %s"), w->open_error->message);
      return FALSE;
    }

  return TRUE;
}

/* ---- Jobs (worker thread) ---------------------------------------------- */

typedef struct
{
  Owner *owner;     /* (owned) */
  char  *message;   /* (owned) */
} FailedIdle;

static gboolean
emit_write_failed (gpointer data)
{
  FailedIdle *idle = data;

  if (idle->owner->history != NULL)
    g_signal_emit (idle->owner->history, signals[SIGNAL_WRITE_FAILED], 0, idle->message);

  return G_SOURCE_REMOVE;
}

static void
failed_idle_free (gpointer data)
{
  FailedIdle *idle = data;

  owner_unref (idle->owner);
  g_free (idle->message);
  g_free (idle);
}

static void
report_write_error (Worker *w,
                    GError *error)
{
  FailedIdle *idle;

  g_debug ("History write failed: %s", error->message);

  if (w->write_error == NULL)
    w->write_error = g_error_copy (error);

  idle = g_new0 (FailedIdle, 1);
  idle->owner = owner_ref (w->owner);
  idle->message = g_strdup (error->message);
  run_in_owner_context (w, emit_write_failed, idle, failed_idle_free);
}

/* The fingerprints of a backend's agents that are not destroyed, read
 * from the file the first time they are needed. */
static GHashTable *
get_known (Worker      *w,
           const char  *backend,
           GError     **error)
{
  GHashTable *known = g_hash_table_lookup (w->known, backend);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (known != NULL)
    return known;

  if (sqlite3_prepare_v2 (w->db,
                          "SELECT id, fp FROM agents WHERE backend = ?1 AND destroyed_us IS NULL",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot read the history", error);
      return NULL;
    }

  known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_bind_text (stmt, 1, backend, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint64 fp = (guint64) sqlite3_column_int64 (stmt, 1);

      g_hash_table_replace (known, column_text (stmt, 0), g_memdup2 (&fp, sizeof fp));
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      g_hash_table_unref (known);
      set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot read the history", error);
      return NULL;
    }

  g_hash_table_insert (w->known, g_strdup (backend), known);
  return known;
}

static gboolean
upsert_agent (Worker      *w,
              const char  *backend,
              SwarmAgent  *agent,
              guint64      fp,
              gint64       seen_us,
              gboolean     listed,
              GError     **error)
{
  sqlite3_stmt *s = w->upsert;
  g_autofree char *capabilities = join_strv (agent->capabilities);
  g_autofree char *env_keys = join_strv (agent->environment_keys);
  int rc;

  sqlite3_bind_text (s, 1, backend, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, agent->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 3, (gint64) fp);
  sqlite3_bind_int64 (s, 4, seen_us);
  bind_text (s, 5, agent->name);
  bind_text (s, 6, agent->agent_type);
  bind_text (s, 7, swarm_agent_status_to_string (agent->status));
  bind_text (s, 8, agent->sandbox_id);
  bind_text (s, 9, agent->task_description);
  sqlite3_bind_int64 (s, 10, agent->tokens_used);
  sqlite3_bind_double (s, 11, agent->cost_usd);
  sqlite3_bind_int64 (s, 12, agent->execution_time_ms);
  bind_time (s, 13, agent->created_at);
  bind_time (s, 14, agent->completed_at);
  bind_text (s, 15, agent->error_message);
  bind_text (s, 16, agent->template_id);
  bind_text (s, 17, capabilities);
  sqlite3_bind_int64 (s, 18, agent->config_timeout);
  bind_text (s, 19, agent->config_model);
  sqlite3_bind_int64 (s, 20, agent->config_max_steps);
  sqlite3_bind_double (s, 21, agent->config_max_cost_usd);
  bind_text (s, 22, agent->model);
  sqlite3_bind_int64 (s, 23, agent->steps);
  bind_text (s, 24, agent->result);
  sqlite3_bind_int (s, 25, agent->result_truncated ? 1 : 0);
  bind_time (s, 26, agent->started_at);
  bind_time (s, 27, agent->updated_at);
  bind_text (s, 28, agent->sandbox_driver);
  bind_text (s, 29, env_keys);
  sqlite3_bind_int (s, 30, listed ? 1 : 0);

  rc = sqlite3_step (s);
  sqlite3_reset (s);
  sqlite3_clear_bindings (s);

  if (rc != SQLITE_DONE)
    return set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot save an agent", error);

  return TRUE;
}

static gboolean
mark_destroyed (Worker      *w,
                const char  *backend,
                const char  *id,
                gint64       time_us,
                GError     **error)
{
  int rc;

  sqlite3_bind_text (w->destroy, 1, backend, -1, SQLITE_STATIC);
  sqlite3_bind_text (w->destroy, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (w->destroy, 3, time_us);
  rc = sqlite3_step (w->destroy);
  sqlite3_reset (w->destroy);

  if (rc != SQLITE_DONE)
    return set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot mark an agent destroyed", error);

  return TRUE;
}

static gboolean
touch_backend (Worker      *w,
               const char  *backend,
               gint64       time_us,
               GError     **error)
{
  int rc;

  sqlite3_bind_text (w->touch_backend, 1, backend, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (w->touch_backend, 2, time_us);
  rc = sqlite3_step (w->touch_backend);
  sqlite3_reset (w->touch_backend);

  if (rc != SQLITE_DONE)
    return set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot save the backend", error);

  return TRUE;
}

static SwarmAgent *
agent_from_row (sqlite3_stmt *stmt)
{
  g_autoptr(SwarmAgent) agent = NULL;
  SwarmAgentStatus status;
  const char *id = (const char *) sqlite3_column_text (stmt, 0);
  int c = 2;

  if (id == NULL ||
      !swarm_agent_status_from_string ((const char *) sqlite3_column_text (stmt, 4), &status))
    return NULL;

  agent = swarm_agent_new (id);
  if (sqlite3_column_type (stmt, 1) != SQLITE_NULL)
    agent->destroyed_at = date_time_from_us (sqlite3_column_int64 (stmt, 1));

  g_free (agent->name);
  agent->name = column_text (stmt, c++);
  g_free (agent->agent_type);
  agent->agent_type = column_text (stmt, c++);
  agent->status = status;
  c++;
  agent->sandbox_id = column_text (stmt, c++);
  g_free (agent->task_description);
  agent->task_description = column_text (stmt, c++);
  agent->tokens_used = sqlite3_column_int64 (stmt, c++);
  agent->cost_usd = sqlite3_column_double (stmt, c++);
  agent->execution_time_ms = sqlite3_column_int64 (stmt, c++);
  agent->created_at = column_time (stmt, c++);
  agent->completed_at = column_time (stmt, c++);
  agent->error_message = column_text (stmt, c++);
  agent->template_id = column_text (stmt, c++);
  agent->capabilities = column_strv (stmt, c++);
  agent->config_timeout = sqlite3_column_int64 (stmt, c++);
  agent->config_model = column_text (stmt, c++);
  agent->config_max_steps = sqlite3_column_int64 (stmt, c++);
  agent->config_max_cost_usd = sqlite3_column_double (stmt, c++);
  agent->model = column_text (stmt, c++);
  agent->steps = sqlite3_column_int64 (stmt, c++);
  agent->result = column_text (stmt, c++);
  agent->result_truncated = sqlite3_column_int (stmt, c++) != 0;
  agent->started_at = column_time (stmt, c++);
  agent->updated_at = column_time (stmt, c++);
  agent->sandbox_driver = column_text (stmt, c++);
  agent->environment_keys = column_strv (stmt, c++);
  agent->elapsed_ms = agent->execution_time_ms;

  /* NOT NULL columns, but a damaged file must not crash the app. */
  if (agent->name == NULL)
    agent->name = g_strdup ("");
  if (agent->agent_type == NULL)
    agent->agent_type = g_strdup ("");
  if (agent->task_description == NULL)
    agent->task_description = g_strdup ("");

  return g_steal_pointer (&agent);
}

static void
run_load (Worker *w,
          Job    *job)
{
  g_autoptr(SwarmHistorySnapshot) snapshot = g_new0 (SwarmHistorySnapshot, 1);
  g_autoptr(GHashTable) known = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!ensure_open (w, &error))
    {
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }

  snapshot->agents = g_ptr_array_new_with_free_func (g_object_unref);
  snapshot->destroyed = g_ptr_array_new_with_free_func (g_object_unref);
  known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (sqlite3_prepare_v2 (w->db,
                          "SELECT id, destroyed_us, " AGENT_COLUMNS ", fp FROM agents "
                          "WHERE backend = ?1 ORDER BY created_us",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot read the history", &error);
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }

  sqlite3_bind_text (stmt, 1, job->backend, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SwarmAgent *agent = agent_from_row (stmt);

      if (agent == NULL)
        continue;

      if (agent->destroyed_at != NULL)
        {
          g_ptr_array_add (snapshot->destroyed, agent);
        }
      else
        {
          guint64 fp = (guint64) sqlite3_column_int64 (stmt, 27);

          g_hash_table_replace (known, g_strdup (agent->id), g_memdup2 (&fp, sizeof fp));
          g_ptr_array_add (snapshot->agents, agent);
        }
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot read the history", &error);
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }

  if (sqlite3_prepare_v2 (w->db, "SELECT last_success_us FROM backends WHERE url = ?1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, job->backend, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        snapshot->last_success_us = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
    }

  g_hash_table_replace (w->known, g_strdup (job->backend), g_steal_pointer (&known));
  g_task_return_pointer (job->task, g_steal_pointer (&snapshot),
                         (GDestroyNotify) swarm_history_snapshot_free);
}

/* Writes @rows (agent copies, with their fingerprints in @fps) and marks
 * @gone destroyed, in one transaction. */
static gboolean
write_list (Worker      *w,
            const char  *backend,
            GPtrArray   *rows,
            GArray      *fps,
            GPtrArray   *gone,
            gint64       time_us,
            gboolean     listed,
            GError     **error)
{
  if (!exec (w, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (guint i = 0; i < rows->len; i++)
    if (!upsert_agent (w, backend, g_ptr_array_index (rows, i),
                       g_array_index (fps, guint64, i), time_us, listed, error))
      goto fail;

  for (guint i = 0; gone != NULL && i < gone->len; i++)
    if (!mark_destroyed (w, backend, g_ptr_array_index (gone, i), time_us, error))
      goto fail;

  if (listed && !touch_backend (w, backend, time_us, error))
    goto fail;

  if (!exec (w, "COMMIT", error))
    goto fail;

  return TRUE;

fail:
  exec (w, "ROLLBACK", NULL);
  /* What the worker believes is stored is now wrong: read it again. */
  g_hash_table_remove (w->known, backend);
  return FALSE;
}

static void
run_record_list (Worker *w,
                 Job    *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GArray) fps = NULL;
  g_autoptr(GPtrArray) gone = NULL;
  g_autoptr(GHashTable) listed = NULL;
  GHashTable *known;
  GHashTableIter iter;
  gpointer id;

  if (!ensure_open (w, &error) ||
      (known = get_known (w, job->backend, &error)) == NULL)
    {
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }

  rows = g_ptr_array_new_with_free_func (g_object_unref);
  fps = g_array_new (FALSE, FALSE, sizeof (guint64));
  gone = g_ptr_array_new_with_free_func (g_free);
  listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < job->agents->len; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (job->agents, i);
      guint64 fp = swarm_agent_fingerprint (agent);
      guint64 *before = g_hash_table_lookup (known, agent->id);

      if (before == NULL || *before != fp)
        {
          g_ptr_array_add (rows, swarm_agent_dup (agent));
          g_array_append_val (fps, fp);
        }
      g_hash_table_replace (listed, g_strdup (agent->id), g_memdup2 (&fp, sizeof fp));
    }

  /* A complete, successful list no longer has them: destroyed. */
  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (!g_hash_table_contains (listed, id))
      g_ptr_array_add (gone, g_strdup (id));

  g_hash_table_replace (w->known, g_strdup (job->backend), g_steal_pointer (&listed));

  /* The caller may use the agents again from here on. */
  g_clear_pointer (&job->agents, g_ptr_array_unref);
  g_task_return_boolean (job->task, TRUE);
  release_task (w, &job->task);

  if (!write_list (w, job->backend, rows, fps, gone, job->time_us, TRUE, &error))
    report_write_error (w, error);

  /* The copies of a large first list go back to the system. */
  if (rows->len > 1000)
    {
      g_clear_pointer (&rows, g_ptr_array_unref);
#ifdef __GLIBC__
      malloc_trim (0);
#endif
    }
}

static void
run_record_agent (Worker *w,
                  Job    *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) fps = g_array_new (FALSE, FALSE, sizeof (guint64));
  SwarmAgent *agent = g_ptr_array_index (job->agents, 0);
  GHashTable *known;
  guint64 fp = swarm_agent_fingerprint (agent);

  if (!ensure_open (w, &error))
    return;   /* said once already, by the load */

  if ((known = get_known (w, job->backend, &error)) == NULL)
    {
      report_write_error (w, error);
      return;
    }

  /* Keep the fingerprint if the agent is listed already: the list form
   * differs from this one (a full result), and the next list must not
   * count as a change for it alone. */
  if (!g_hash_table_contains (known, agent->id))
    g_hash_table_replace (known, g_strdup (agent->id), g_memdup2 (&fp, sizeof fp));
  else
    fp = *(guint64 *) g_hash_table_lookup (known, agent->id);

  g_array_append_val (fps, fp);
  if (!write_list (w, job->backend, job->agents, fps, NULL, job->time_us, FALSE, &error))
    report_write_error (w, error);
}

static void
run_mark_destroyed (Worker *w,
                    Job    *job)
{
  g_autoptr(GError) error = NULL;
  GHashTable *known;

  if (!ensure_open (w, &error))
    return;

  known = g_hash_table_lookup (w->known, job->backend);
  if (known != NULL)
    g_hash_table_remove (known, job->agent_id);

  if (!mark_destroyed (w, job->backend, job->agent_id, job->time_us, &error))
    report_write_error (w, error);
}

static void
run_record_logs (Worker *w,
                 Job    *job)
{
  g_autoptr(GError) error = NULL;
  int rc;

  if (!ensure_open (w, &error))
    return;

  if (!exec (w, "BEGIN IMMEDIATE", &error))
    {
      report_write_error (w, error);
      return;
    }

  for (guint i = 0; i < job->entries->len; i++)
    {
      SwarmLogEntry *entry = g_ptr_array_index (job->entries, i);
      sqlite3_stmt *s = w->insert_log;

      sqlite3_bind_text (s, 1, job->backend, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 2, job->agent_id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 3, entry->seq);
      bind_time (s, 4, entry->time);
      if (entry->time == NULL)
        sqlite3_bind_int64 (s, 4, 0);
      sqlite3_bind_text (s, 5, swarm_log_kind_to_string (entry->kind), -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 6, entry->text != NULL ? entry->text : "", -1, SQLITE_STATIC);
      rc = sqlite3_step (s);
      sqlite3_reset (s);

      if (rc != SQLITE_DONE)
        {
          set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot save a log entry", &error);
          goto fail;
        }
    }

  sqlite3_bind_text (w->trim_logs, 1, job->backend, -1, SQLITE_STATIC);
  sqlite3_bind_text (w->trim_logs, 2, job->agent_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (w->trim_logs, 3, SWARM_HISTORY_MAX_LOGS);
  rc = sqlite3_step (w->trim_logs);
  sqlite3_reset (w->trim_logs);

  if (rc != SQLITE_DONE)
    {
      set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot trim the logs", &error);
      goto fail;
    }

  if (exec (w, "COMMIT", &error))
    return;

fail:
  exec (w, "ROLLBACK", NULL);
  report_write_error (w, error);
}

static void
run_load_logs (Worker *w,
               Job    *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmLogPage) page = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!ensure_open (w, &error))
    {
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }

  if (sqlite3_prepare_v2 (w->db,
                          "SELECT seq, time_us, kind, text FROM "
                          "(SELECT * FROM logs WHERE backend = ?1 AND agent_id = ?2 "
                          " ORDER BY seq DESC LIMIT ?3) ORDER BY seq",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot read the logs", &error);
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }

  page = swarm_log_page_new ();
  sqlite3_bind_text (stmt, 1, job->backend, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, job->agent_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, SWARM_HISTORY_MAX_LOGS);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SwarmLogEntry *entry = g_new0 (SwarmLogEntry, 1);

      entry->seq = sqlite3_column_int64 (stmt, 0);
      entry->time = date_time_from_us (sqlite3_column_int64 (stmt, 1));
      if (!swarm_log_kind_from_string ((const char *) sqlite3_column_text (stmt, 2), &entry->kind))
        entry->kind = SWARM_LOG_KIND_SYSTEM;
      entry->text = column_text (stmt, 3);
      page->next = MAX (page->next, entry->seq);
      g_ptr_array_add (page->entries, entry);
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_db_error (w, SWARM_HISTORY_ERROR_QUERY, "Cannot read the logs", &error);
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (job->task, g_steal_pointer (&page), (GDestroyNotify) swarm_log_page_free);
}

static void
run_sync (Worker *w,
          Job    *job)
{
  g_autoptr(GError) error = NULL;

  if (!ensure_open (w, &error))
    g_task_return_error (job->task, g_steal_pointer (&error));
  else if (w->write_error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&w->write_error));
  else
    g_task_return_boolean (job->task, TRUE);
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;

  for (;;)
    {
      Job *job = g_async_queue_pop (w->queue);

      if (job->kind == JOB_QUIT)
        {
          job_free (job);
          break;
        }

      if (job->task != NULL && g_task_return_error_if_cancelled (job->task))
        {
          release_task (w, &job->task);
          job_free (job);
          continue;
        }

      switch (job->kind)
        {
        case JOB_LOAD:
          run_load (w, job);
          break;
        case JOB_RECORD_LIST:
          run_record_list (w, job);
          break;
        case JOB_RECORD_AGENT:
          run_record_agent (w, job);
          break;
        case JOB_MARK_DESTROYED:
          run_mark_destroyed (w, job);
          break;
        case JOB_RECORD_LOGS:
          run_record_logs (w, job);
          break;
        case JOB_LOAD_LOGS:
          run_load_logs (w, job);
          break;
        case JOB_SYNC:
          run_sync (w, job);
          break;
        case JOB_QUIT:
        default:
          g_assert_not_reached ();
        }

      release_task (w, &job->task);
      job_free (job);
    }

  return NULL;
}

static void
worker_free (Worker *w)
{
  sqlite3_finalize (w->upsert);
  sqlite3_finalize (w->destroy);
  sqlite3_finalize (w->touch_backend);
  sqlite3_finalize (w->insert_log);
  sqlite3_finalize (w->trim_logs);
  sqlite3_close (w->db);
  g_clear_pointer (&w->known, g_hash_table_unref);
  g_clear_error (&w->open_error);
  g_clear_error (&w->write_error);
  g_clear_pointer (&w->queue, g_async_queue_unref);
  g_clear_pointer (&w->context, g_main_context_unref);
  g_clear_pointer (&w->owner, owner_unref);
  g_free (w->path);
  g_free (w);
}

/* ---- Object -------------------------------------------------------------- */

static void
swarm_history_dispose (GObject *object)
{
  SwarmHistory *self = SWARM_HISTORY (object);

  self->worker->owner->history = NULL;

  /* The jobs queued before are still done: the last writes land. */
  if (self->thread != NULL)
    {
      Job *quit = g_new0 (Job, 1);

      quit->kind = JOB_QUIT;
      g_async_queue_push (self->worker->queue, quit);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  G_OBJECT_CLASS (swarm_history_parent_class)->dispose (object);
}

static void
swarm_history_finalize (GObject *object)
{
  SwarmHistory *self = SWARM_HISTORY (object);

  g_clear_pointer (&self->worker, worker_free);

  G_OBJECT_CLASS (swarm_history_parent_class)->finalize (object);
}

static void
swarm_history_class_init (SwarmHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = swarm_history_dispose;
  object_class->finalize = swarm_history_finalize;

  /**
   * SwarmHistory::write-failed:
   * @message: what went wrong, as a sentence
   *
   * Emitted in the context the history was created in when a write that
   * nobody waits for failed (disk full, say).
   */
  signals[SIGNAL_WRITE_FAILED] =
    g_signal_new ("write-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
swarm_history_init (SwarmHistory *self)
{
}

/**
 * swarm_history_default_path:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/swarmyard/history.db`
 */
char *
swarm_history_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "swarmyard", "history.db", NULL);
}

/**
 * swarm_history_new:
 * @path: the database file, created with its folder if missing
 * @retention_days: forget destroyed agents after this many days; 0 keeps
 *   them forever
 *
 * Starts the history's thread; the file is opened (and the retention
 * applied) by the first job, not here.
 */
SwarmHistory *
swarm_history_new (const char *path,
                   guint       retention_days)
{
  SwarmHistory *self;
  Worker *w;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (SWARM_TYPE_HISTORY, NULL);

  w = g_new0 (Worker, 1);
  w->queue = g_async_queue_new_full ((GDestroyNotify) job_free);
  w->path = g_strdup (path);
  w->retention_days = retention_days;
  w->context = g_main_context_ref_thread_default ();
  w->owner = g_new0 (Owner, 1);
  g_atomic_ref_count_init (&w->owner->ref);
  w->owner->history = self;
  w->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_hash_table_unref);
  self->worker = w;
  self->thread = g_thread_new ("swarm-history", worker_main, w);

  return self;
}

const char *
swarm_history_get_path (SwarmHistory *self)
{
  g_return_val_if_fail (SWARM_IS_HISTORY (self), NULL);

  return self->worker->path;
}

static Job *
job_new (SwarmHistory *self,
         JobKind       kind,
         const char   *backend,
         GCancellable *cancellable,
         gpointer      source_tag,
         GAsyncReadyCallback callback,
         gpointer      user_data)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->backend = g_strdup (backend);
  if (source_tag != NULL)
    {
      job->task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (job->task, source_tag);
    }

  return job;
}

static void
push (SwarmHistory *self,
      Job          *job)
{
  g_async_queue_push (self->worker->queue, job);
}

/**
 * swarm_history_load_async:
 * @backend: a normalised backend URL
 *
 * Reads every agent kept for @backend, the destroyed ones apart.
 */
void
swarm_history_load_async (SwarmHistory        *self,
                          const char          *backend,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (SWARM_IS_HISTORY (self));
  g_return_if_fail (backend != NULL);

  push (self, job_new (self, JOB_LOAD, backend, cancellable, swarm_history_load_async,
                       callback, user_data));
}

/**
 * swarm_history_load_finish:
 *
 * Returns: (transfer full): the agents, or %NULL with @error set
 */
SwarmHistorySnapshot *
swarm_history_load_finish (SwarmHistory  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * swarm_history_record_list_async:
 * @backend: a normalised backend URL
 * @agents: (element-type SwarmAgent): a complete, successful list from
 *   @backend; nobody may change these agents until the callback runs
 * @listed_at_us: the wall-clock time of the list
 *
 * Keeps every agent of @agents and marks destroyed the agents of
 * @backend it no longer has.  Completes once the agents were read; the
 * writes follow in the history's thread (see #SwarmHistory::write-failed).
 */
void
swarm_history_record_list_async (SwarmHistory        *self,
                                 const char          *backend,
                                 GPtrArray           *agents,
                                 gint64               listed_at_us,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Job *job;

  g_return_if_fail (SWARM_IS_HISTORY (self));
  g_return_if_fail (backend != NULL);
  g_return_if_fail (agents != NULL);

  /* Not cancellable once queued: the agents must be released by the
   * worker before the callback runs, whatever happens. */
  job = job_new (self, JOB_RECORD_LIST, backend, NULL, swarm_history_record_list_async,
                 callback, user_data);
  job->agents = g_ptr_array_ref (agents);
  job->time_us = listed_at_us;
  push (self, job);
}

gboolean
swarm_history_record_list_finish (SwarmHistory  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * swarm_history_record_agent:
 *
 * Keeps a copy of @agent as it is now (a full description from the
 * details view, say), without changing whether it counts as destroyed.
 */
void
swarm_history_record_agent (SwarmHistory *self,
                            const char   *backend,
                            SwarmAgent   *agent)
{
  Job *job;

  g_return_if_fail (SWARM_IS_HISTORY (self));
  g_return_if_fail (backend != NULL);
  g_return_if_fail (SWARM_IS_AGENT (agent));

  job = job_new (self, JOB_RECORD_AGENT, backend, NULL, NULL, NULL, NULL);
  job->agents = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (job->agents, swarm_agent_dup (agent));
  job->time_us = g_get_real_time ();
  push (self, job);
}

/**
 * swarm_history_mark_destroyed:
 *
 * Records that the app destroyed @agent_id.
 */
void
swarm_history_mark_destroyed (SwarmHistory *self,
                              const char   *backend,
                              const char   *agent_id,
                              gint64        destroyed_at_us)
{
  Job *job;

  g_return_if_fail (SWARM_IS_HISTORY (self));
  g_return_if_fail (backend != NULL);
  g_return_if_fail (agent_id != NULL);

  job = job_new (self, JOB_MARK_DESTROYED, backend, NULL, NULL, NULL, NULL);
  job->agent_id = g_strdup (agent_id);
  job->time_us = destroyed_at_us;
  push (self, job);
}

/**
 * swarm_history_record_logs:
 * @entries: (element-type SwarmLogEntry): copied
 *
 * Keeps @entries; only the last %SWARM_HISTORY_MAX_LOGS of an agent stay.
 */
void
swarm_history_record_logs (SwarmHistory *self,
                           const char   *backend,
                           const char   *agent_id,
                           GPtrArray    *entries)
{
  Job *job;

  g_return_if_fail (SWARM_IS_HISTORY (self));
  g_return_if_fail (backend != NULL);
  g_return_if_fail (agent_id != NULL);
  g_return_if_fail (entries != NULL);

  if (entries->len == 0)
    return;

  job = job_new (self, JOB_RECORD_LOGS, backend, NULL, NULL, NULL, NULL);
  job->agent_id = g_strdup (agent_id);
  job->entries = g_ptr_array_new_full (entries->len, (GDestroyNotify) swarm_log_entry_free);
  for (guint i = 0; i < entries->len; i++)
    {
      SwarmLogEntry *entry = g_ptr_array_index (entries, i);
      SwarmLogEntry *copy = g_new0 (SwarmLogEntry, 1);

      copy->seq = entry->seq;
      copy->time = entry->time != NULL ? g_date_time_ref (entry->time) : NULL;
      copy->kind = entry->kind;
      copy->text = g_strdup (entry->text);
      g_ptr_array_add (job->entries, copy);
    }
  push (self, job);
}

void
swarm_history_load_logs_async (SwarmHistory        *self,
                               const char          *backend,
                               const char          *agent_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Job *job;

  g_return_if_fail (SWARM_IS_HISTORY (self));
  g_return_if_fail (backend != NULL);
  g_return_if_fail (agent_id != NULL);

  job = job_new (self, JOB_LOAD_LOGS, backend, cancellable, swarm_history_load_logs_async,
                 callback, user_data);
  job->agent_id = g_strdup (agent_id);
  push (self, job);
}

/**
 * swarm_history_load_logs_finish:
 *
 * Returns: (transfer full): the kept entries, oldest first
 */
SwarmLogPage *
swarm_history_load_logs_finish (SwarmHistory  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * swarm_history_sync_async:
 *
 * Completes once every job queued before has been done; fails with the
 * first write error since the previous sync, if any.
 */
void
swarm_history_sync_async (SwarmHistory        *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (SWARM_IS_HISTORY (self));

  push (self, job_new (self, JOB_SYNC, NULL, cancellable, swarm_history_sync_async,
                       callback, user_data));
}

gboolean
swarm_history_sync_finish (SwarmHistory  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
