/* swarmd-store.c — the daemon's SQLite store: agents and their logs
 *
 * One file, WAL, schema versioned with PRAGMA user_version.  An agent is
 * kept as its full-form JSON (the contract's own shape, written and read
 * by libswarm-core), next to the columns the daemon queries.  Environment
 * values never reach this file: the JSON carries `environment_keys` only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmd-store"

#include "config.h"

#include <sqlite3.h>

#include "swarmd-store.h"

struct _SwarmdStore
{
  GObject       parent_instance;

  sqlite3      *db;
  sqlite3_stmt *save_agent;
  sqlite3_stmt *delete_agent;
  sqlite3_stmt *delete_logs;
  sqlite3_stmt *append_log;
  sqlite3_stmt *last_seq;
};

G_DEFINE_FINAL_TYPE (SwarmdStore, swarmd_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (swarmd-store-error-quark, swarmd_store_error)

static gboolean
set_sqlite_error (SwarmdStore       *self,
                  SwarmdStoreError   code,
                  const char        *what,
                  GError           **error)
{
  g_set_error (error, SWARMD_STORE_ERROR, code, "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (SwarmdStore  *self,
      const char   *sql,
      GError      **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, SWARMD_STORE_ERROR, SWARMD_STORE_ERROR_QUERY, "%s", message);
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
prepare (SwarmdStore   *self,
         const char    *sql,
         sqlite3_stmt **stmt,
         GError       **error)
{
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
    return set_sqlite_error (self, SWARMD_STORE_ERROR_SCHEMA, "Cannot prepare a statement", error);

  return TRUE;
}

static void
swarmd_store_finalize (GObject *object)
{
  SwarmdStore *self = SWARMD_STORE (object);

  sqlite3_finalize (self->save_agent);
  sqlite3_finalize (self->delete_agent);
  sqlite3_finalize (self->delete_logs);
  sqlite3_finalize (self->append_log);
  sqlite3_finalize (self->last_seq);
  sqlite3_close (self->db);

  G_OBJECT_CLASS (swarmd_store_parent_class)->finalize (object);
}

static void
swarmd_store_class_init (SwarmdStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = swarmd_store_finalize;
}

static void
swarmd_store_init (SwarmdStore *self)
{
}

static gboolean
migrate (SwarmdStore  *self,
         GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  int version;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      return set_sqlite_error (self, SWARMD_STORE_ERROR_SCHEMA,
                               "Cannot read the schema version", error);
    }
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version > SWARMD_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, SWARMD_STORE_ERROR, SWARMD_STORE_ERROR_SCHEMA,
                   "The database has schema version %d, newer than this swarmyardd (%d)",
                   version, SWARMD_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  if (version < 1)
    return exec (self,
                 "BEGIN;"
                 "CREATE TABLE agents ("
                 "  id TEXT PRIMARY KEY,"
                 "  name TEXT NOT NULL UNIQUE,"
                 "  status TEXT NOT NULL,"
                 "  created_at TEXT NOT NULL,"
                 "  json TEXT NOT NULL);"
                 "CREATE TABLE logs ("
                 "  agent_id TEXT NOT NULL,"
                 "  seq INTEGER NOT NULL,"
                 "  time TEXT NOT NULL,"
                 "  kind TEXT NOT NULL,"
                 "  text TEXT NOT NULL,"
                 "  PRIMARY KEY (agent_id, seq)) WITHOUT ROWID;"
                 "PRAGMA user_version = 1;"
                 "COMMIT;", error);

  return TRUE;
}

/**
 * swarmd_store_open:
 * @path: the database file, created if missing
 */
SwarmdStore *
swarmd_store_open (const char  *path,
                   GError     **error)
{
  g_autoptr(SwarmdStore) self = g_object_new (SWARMD_TYPE_STORE, NULL);

  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, SWARMD_STORE_ERROR_OPEN, "Cannot open the database", error);
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 5000);

  /* WAL with synchronous=FULL: a deploy is durable when its 201 leaves. */
  if (!exec (self,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
             error) ||
      !migrate (self, error))
    return NULL;

  if (!prepare (self,
                "INSERT INTO agents (id, name, status, created_at, json) VALUES (?1, ?2, ?3, ?4, ?5) "
                      "ON CONFLICT (id) DO UPDATE SET name = ?2, status = ?3, json = ?5",
                &self->save_agent, error) ||
      !prepare (self, "DELETE FROM agents WHERE id = ?1", &self->delete_agent, error) ||
      !prepare (self, "DELETE FROM logs WHERE agent_id = ?1", &self->delete_logs, error) ||
      !prepare (self,
                "INSERT INTO logs (agent_id, seq, time, kind, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                &self->append_log, error) ||
      !prepare (self, "SELECT MAX(seq) FROM logs WHERE agent_id = ?1", &self->last_seq, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * swarmd_store_load_agents:
 *
 * Returns: (transfer container) (element-type SwarmAgent): every agent,
 *   oldest first
 */
GPtrArray *
swarmd_store_load_agents (SwarmdStore  *self,
                          GError      **error)
{
  g_autoptr(GPtrArray) agents = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (SWARMD_IS_STORE (self), NULL);

  if (sqlite3_prepare_v2 (self->db, "SELECT id, json FROM agents ORDER BY created_at, id", -1,
                          &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, SWARMD_STORE_ERROR_QUERY, "Cannot read the agents", error);
      return NULL;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GBytes) json = g_bytes_new (sqlite3_column_blob (stmt, 1),
                                            sqlite3_column_bytes (stmt, 1));
      g_autoptr(GError) local_error = NULL;
      SwarmAgent *agent = swarm_json_parse_agent (json, &local_error);

      if (agent == NULL)
        {
          /* One bad row must not hide the rest. */
          g_warning ("Skipping agent %s: %s", (const char *) sqlite3_column_text (stmt, 0),
                     local_error->message);
          continue;
        }
      g_ptr_array_add (agents, agent);
    }

  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, SWARMD_STORE_ERROR_QUERY, "Cannot read the agents", error);
      return NULL;
    }

  return g_steal_pointer (&agents);
}

static gboolean
step_done (SwarmdStore   *self,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, SWARMD_STORE_ERROR_QUERY, what, error);

  return TRUE;
}

/**
 * swarmd_store_save_agent:
 *
 * Inserts or replaces the agent, committed when this returns.
 */
gboolean
swarmd_store_save_agent (SwarmdStore  *self,
                         SwarmAgent   *agent,
                         GError      **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  g_autofree char *created = NULL;
  gsize length = 0;

  g_return_val_if_fail (SWARMD_IS_STORE (self), FALSE);
  g_return_val_if_fail (SWARM_IS_AGENT (agent), FALSE);

  node = swarm_json_agent_to_node (agent, FALSE);
  json = swarm_json_node_to_data (node, &length);
  created = swarm_json_format_time (swarm_agent_get_created_at (agent));

  sqlite3_bind_text (self->save_agent, 1, swarm_agent_get_id (agent), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (self->save_agent, 2, swarm_agent_get_name (agent), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (self->save_agent, 3,
                     swarm_agent_status_to_string (swarm_agent_get_status (agent)), -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (self->save_agent, 4, created != NULL ? created : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (self->save_agent, 5, json, (int) length, SQLITE_TRANSIENT);

  return step_done (self, self->save_agent, "Cannot save the agent", error);
}

/**
 * swarmd_store_delete_agent:
 *
 * Removes the agent and its logs.
 */
gboolean
swarmd_store_delete_agent (SwarmdStore  *self,
                           const char   *agent_id,
                           GError      **error)
{
  g_return_val_if_fail (SWARMD_IS_STORE (self), FALSE);

  if (!exec (self, "BEGIN", error))
    return FALSE;

  sqlite3_bind_text (self->delete_logs, 1, agent_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (self->delete_agent, 1, agent_id, -1, SQLITE_TRANSIENT);
  if (!step_done (self, self->delete_logs, "Cannot delete the logs", error) ||
      !step_done (self, self->delete_agent, "Cannot delete the agent", error))
    {
      exec (self, "ROLLBACK", NULL);
      return FALSE;
    }

  return exec (self, "COMMIT", error);
}

gboolean
swarmd_store_append_log (SwarmdStore    *self,
                         const char     *agent_id,
                         SwarmLogEntry  *entry,
                         GError        **error)
{
  g_autofree char *time = NULL;

  g_return_val_if_fail (SWARMD_IS_STORE (self), FALSE);

  time = swarm_json_format_time (entry->time);
  sqlite3_bind_text (self->append_log, 1, agent_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (self->append_log, 2, entry->seq);
  sqlite3_bind_text (self->append_log, 3, time, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (self->append_log, 4, swarm_log_kind_to_string (entry->kind), -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (self->append_log, 5, entry->text, -1, SQLITE_TRANSIENT);

  return step_done (self, self->append_log, "Cannot save the log entry", error);
}

gint64
swarmd_store_get_last_seq (SwarmdStore *self,
                           const char  *agent_id)
{
  gint64 seq = 0;

  g_return_val_if_fail (SWARMD_IS_STORE (self), 0);

  sqlite3_bind_text (self->last_seq, 1, agent_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (self->last_seq) == SQLITE_ROW)
    seq = sqlite3_column_int64 (self->last_seq, 0);
  sqlite3_reset (self->last_seq);
  sqlite3_clear_bindings (self->last_seq);

  return seq;
}

/**
 * swarmd_store_get_logs:
 * @after: entries after this sequence number (exclusive)
 * @limit: at most this many (1–1000)
 * @tail: if not 0, the last @tail entries instead
 *
 * Returns: (transfer full): the page, `next` being the last seq returned
 *   (else @after)
 */
SwarmLogPage *
swarmd_store_get_logs (SwarmdStore  *self,
                       const char   *agent_id,
                       gint64        after,
                       guint         limit,
                       guint         tail,
                       GError      **error)
{
  g_autoptr(SwarmLogPage) page = swarm_log_page_new ();
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  sqlite3_stmt *stmt = NULL;
  const char *sql;
  int rc;

  g_return_val_if_fail (SWARMD_IS_STORE (self), NULL);

  if (tail > 0)
    sql = "SELECT seq, time, kind, text FROM "
          "(SELECT * FROM logs WHERE agent_id = ?1 ORDER BY seq DESC LIMIT ?2) ORDER BY seq";
  else
    sql = "SELECT seq, time, kind, text FROM logs WHERE agent_id = ?1 AND seq > ?3 ORDER BY seq LIMIT ?2";

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, SWARMD_STORE_ERROR_QUERY, "Cannot read the logs", error);
      return NULL;
    }

  sqlite3_bind_text (stmt, 1, agent_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, tail > 0 ? tail : limit);
  if (tail == 0)
    sqlite3_bind_int64 (stmt, 3, after);

  page->next = tail > 0 ? 0 : after;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SwarmLogEntry *entry = g_new0 (SwarmLogEntry, 1);

      entry->seq = sqlite3_column_int64 (stmt, 0);
      entry->time = g_date_time_new_from_iso8601 ((const char *) sqlite3_column_text (stmt, 1), utc);
      if (entry->time == NULL)
        entry->time = g_date_time_new_from_unix_utc (0);
      if (!swarm_log_kind_from_string ((const char *) sqlite3_column_text (stmt, 2), &entry->kind))
        entry->kind = SWARM_LOG_KIND_SYSTEM;
      entry->text = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      page->next = entry->seq;
      g_ptr_array_add (page->entries, entry);
    }

  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, SWARMD_STORE_ERROR_QUERY, "Cannot read the logs", error);
      return NULL;
    }

  return g_steal_pointer (&page);
}
