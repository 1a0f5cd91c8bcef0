/* swarm-json.c — strict reading and writing of the REST contract's JSON
 *
 * Every reader checks the body is UTF-8 and not nested deeper than
 * SWARM_JSON_MAX_DEPTH *before* json-glib sees it (json-glib 1.6 recurses
 * without limit), then checks the type of every member it reads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-json"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "swarm-agent-private.h"
#include "swarm-json.h"
#include "swarm-json-reader.h"
#include "swarm-utils.h"

G_DEFINE_QUARK (swarm-json-error-quark, swarm_json_error)

/* Whole numbers beyond 2^53 lose precision in every JSON reader. */
#define MAX_SAFE_INT G_GINT64_CONSTANT (9007199254740992)
#define MAX_AMOUNT_USD 1e9

/**
 * swarm_json_check_depth:
 * @data: the JSON text
 * @length: its length in bytes
 * @max_depth: the deepest nesting of arrays and objects allowed
 *
 * Scans the text once, without parsing it, and fails if arrays and objects
 * nest deeper than @max_depth.  Brackets inside strings are skipped.
 */
gboolean
swarm_json_check_depth (const char  *data,
                        gsize        length,
                        guint        max_depth,
                        GError     **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_TOO_DEEP,
                           _("The data is nested more than %u levels deep."), max_depth);
              return FALSE;
            }
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }

  return TRUE;
}

/**
 * swarm_json_parse_bytes:
 *
 * Returns: (transfer full): the root node of @bytes, or %NULL with @error
 *   set when @bytes is not UTF-8, too deep, or not JSON
 */
/* What every reader checks first: some text, and UTF-8. */
static const char *
check_text (GBytes  *bytes,
            gsize   *length,
            GError **error)
{
  const char *data = g_bytes_get_data (bytes, length);

  if (*length == 0)
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_SYNTAX,
                           _("The data is empty."));
      return NULL;
    }

  if (!g_utf8_validate_len (data, *length, NULL))
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_NOT_UTF8,
                           _("The data is not valid UTF-8 text."));
      return NULL;
    }

  return data;
}

JsonNode *
swarm_json_parse_bytes (GBytes  *bytes,
                        GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize length = 0;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = check_text (bytes, &length, error);
  if (data == NULL)
    return NULL;

  if (!swarm_json_check_depth (data, length, SWARM_JSON_MAX_DEPTH, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_SYNTAX,
                   _("The data is not valid JSON (%s)."), local_error->message);
      return NULL;
    }

  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_SYNTAX,
                           _("The data is empty."));
      return NULL;
    }

  return json_parser_steal_root (parser);
}

/* The agent readers use the fast reader (swarm-json-reader.c): lists of
 * thousands of agents are the app's largest bodies. */
static SwarmJsonDoc *
parse_doc (GBytes  *bytes,
           GError **error)
{
  const char *data;
  gsize length = 0;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = check_text (bytes, &length, error);
  if (data == NULL)
    return NULL;

  return swarm_json_doc_parse (data, length, SWARM_JSON_MAX_DEPTH, error);
}

static void
not_an_object (const char  *what,
               GError     **error)
{
  g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
               _("%s must be a JSON object."), what);
}

static JsonObject *
require_object (JsonNode    *node,
                const char  *what,
                GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      not_an_object (what, error);
      return NULL;
    }

  return json_node_get_object (node);
}

/* Both readers' members as one kind of value, so that the checks below
 * are written once.  NULL: the member is absent or null. */
static const SwarmJv *
node_value (JsonObject *object,
            const char *member,
            SwarmJv    *scratch)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  scratch->n = 0;
  if (JSON_NODE_HOLDS_OBJECT (node))
    scratch->type = SWARM_JV_OBJECT;
  else if (JSON_NODE_HOLDS_ARRAY (node))
    scratch->type = SWARM_JV_ARRAY;
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      scratch->type = SWARM_JV_STRING;
      scratch->v.string = json_node_get_string (node);
    }
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      scratch->type = SWARM_JV_INT;
      scratch->v.integer = json_node_get_int (node);
    }
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      scratch->type = SWARM_JV_DOUBLE;
      scratch->v.number = json_node_get_double (node);
    }
  else
    {
      scratch->type = SWARM_JV_BOOLEAN;
      scratch->v.boolean = json_node_get_boolean (node);
    }

  return scratch;
}

static const SwarmJv *
jv_value (const SwarmJv *object,
          const char    *member)
{
  const SwarmJv *value = swarm_jv_get_member (object, member);

  return value == NULL || value->type == SWARM_JV_NULL ? NULL : value;
}

static gboolean
missing (const char  *member,
         gboolean     required,
         GError     **error)
{
  if (!required)
    return TRUE;

  g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_MISSING_MEMBER,
               _("“%s” is missing."), member);
  return FALSE;
}

static gboolean
read_string (const SwarmJv  *value,
             const char     *member,
             gboolean        required,
             char          **out,
             GError        **error)
{
  *out = NULL;

  if (value == NULL)
    return missing (member, required, error);

  if (value->type != SWARM_JV_STRING)
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                   _("“%s” must be text."), member);
      return FALSE;
    }

  *out = g_strdup (value->v.string);
  return TRUE;
}

static gboolean
read_int (const SwarmJv  *value,
          const char     *member,
          gboolean        required,
          gint64          min,
          gint64          max,
          gint64         *out,
          GError        **error)
{
  gint64 whole;

  if (value == NULL)
    return missing (member, required, error);   /* *out keeps its default */

  if (value->type == SWARM_JV_INT)
    {
      whole = value->v.integer;
    }
  else if (value->type == SWARM_JV_DOUBLE)
    {
      double d = value->v.number;

      /* 1500.0 is a whole number; 1e300 is out of range below. */
      if (!isfinite (d) || d != floor (d))
        goto wrong_type;
      /* (double) G_MAXINT64 rounds up to 2^63, which no gint64 holds. */
      if (d < -0x1p63 || d >= 0x1p63)
        goto out_of_range;
      whole = (gint64) d;
    }
  else
    {
      goto wrong_type;
    }

  if (whole < min || whole > max)
    goto out_of_range;

  *out = whole;
  return TRUE;

wrong_type:
  g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
               _("“%s” must be a whole number."), member);
  return FALSE;

out_of_range:
  g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_OUT_OF_RANGE,
               _("“%s” must be between %lld and %lld."),
               member, (long long) min, (long long) max);
  return FALSE;
}

static gboolean
read_double (const SwarmJv  *value,
             const char     *member,
             gboolean        required,
             double          min,
             double          max,
             double         *out,
             GError        **error)
{
  double number;

  if (value == NULL)
    return missing (member, required, error);

  if (value->type != SWARM_JV_DOUBLE && value->type != SWARM_JV_INT)
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                   _("“%s” must be a number."), member);
      return FALSE;
    }

  number = value->type == SWARM_JV_INT ? (double) value->v.integer : value->v.number;
  if (!isfinite (number) || number < min || number > max)
    {
      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_OUT_OF_RANGE,
                   _("“%s” must be between %g and %g."), member, min, max);
      return FALSE;
    }

  *out = number;
  return TRUE;
}

gboolean
swarm_json_get_string (JsonObject  *object,
                       const char  *member,
                       gboolean     required,
                       char       **out,
                       GError     **error)
{
  SwarmJv scratch;

  return read_string (node_value (object, member, &scratch), member, required, out, error);
}

gboolean
swarm_json_get_int (JsonObject  *object,
                    const char  *member,
                    gboolean     required,
                    gint64       min,
                    gint64       max,
                    gint64      *out,
                    GError     **error)
{
  SwarmJv scratch;

  return read_int (node_value (object, member, &scratch), member, required, min, max, out, error);
}

gboolean
swarm_json_get_double (JsonObject  *object,
                       const char  *member,
                       gboolean     required,
                       double       min,
                       double       max,
                       double      *out,
                       GError     **error)
{
  SwarmJv scratch;

  return read_double (node_value (object, member, &scratch), member, required, min, max, out, error);
}

static gboolean
strv_type_error (const char  *member,
                 GError     **error)
{
  g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
               _("“%s” must be a list of text values."), member);
  return FALSE;
}

/**
 * swarm_json_get_strv:
 *
 * Reads an array of strings; an absent or null member gives %NULL.
 */
gboolean
swarm_json_get_strv (JsonObject   *object,
                     const char   *member,
                     char       ***out,
                     GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;
  guint length;

  *out = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return strv_type_error (member, error);

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  builder = g_strv_builder_new ();

  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return strv_type_error (member, error);

      g_strv_builder_add (builder, json_node_get_string (element));
    }

  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
read_strv (const SwarmJv  *value,
           const char     *member,
           char         ***out,
           GError        **error)
{
  g_auto(GStrv) strv = NULL;

  *out = NULL;

  if (value == NULL)
    return TRUE;

  if (value->type != SWARM_JV_ARRAY)
    return strv_type_error (member, error);

  strv = g_new0 (char *, value->n + 1);
  for (guint i = 0; i < value->n; i++)
    {
      if (value->v.elements[i].type != SWARM_JV_STRING)
        return strv_type_error (member, error);
      strv[i] = g_strdup (value->v.elements[i].v.string);
    }

  *out = g_steal_pointer (&strv);
  return TRUE;
}

static inline int
digits (const char *text,
        guint       n)
{
  int value = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return -1;
      value = value * 10 + (text[i] - '0');
    }

  return value;
}

/* "2026-11-26T08:00:00Z" or "…:00.123456Z", as servers write them, without
 * the general ISO 8601 parser; %NULL for anything else. */
static GDateTime *
parse_utc_time (const char *text)
{
  int year, month, day, hour, minute, second, micro = 0;
  const char *c = text + 19;

  if (strlen (text) < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':')
    return NULL;

  year = digits (text, 4);
  month = digits (text + 5, 2);
  day = digits (text + 8, 2);
  hour = digits (text + 11, 2);
  minute = digits (text + 14, 2);
  second = digits (text + 17, 2);
  if (year < 1 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0)
    return NULL;

  /* Up to six digits, as GLib reads them; more (which GLib rounds) go to
   * GLib. */
  if (*c == '.')
    {
      int scale = 100000;

      for (c++; g_ascii_isdigit (*c); c++)
        {
          if (scale == 0)
            return NULL;
          micro += (*c - '0') * scale;
          scale /= 10;
        }
      if (c == text + 20)
        return NULL;
    }

  if (c[0] != 'Z' || c[1] != '\0')
    return NULL;

  /* NULL for a 31 February or a 25th hour. */
  return g_date_time_new_utc (year, month, day, hour, minute, second + micro / 1e6);
}

static gboolean
read_time (const SwarmJv  *value,
           const char     *member,
           gboolean        required,
           GDateTime     **out,
           GError        **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) parsed = NULL;

  *out = NULL;

  if (!read_string (value, member, required, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  *out = parse_utc_time (text);
  if (*out != NULL)
    return TRUE;

  {
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

    parsed = g_date_time_new_from_iso8601 (text, utc);
  }
  if (parsed == NULL)
    {
      g_autofree char *shown = swarm_sanitize_message (text, 40);

      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                   _("“%s” is not a date and time: “%s”."), member, shown);
      return FALSE;
    }

  *out = g_date_time_to_utc (parsed);
  return TRUE;
}

static gboolean
get_time (JsonObject  *object,
          const char  *member,
          gboolean     required,
          GDateTime  **out,
          GError     **error)
{
  SwarmJv scratch;

  return read_time (node_value (object, member, &scratch), member, required, out, error);
}

static gboolean
read_environment (const SwarmJv  *object,
                  GHashTable    **out,
                  GError        **error)
{
  const SwarmJv *value = jv_value (object, "environment");
  g_autoptr(GHashTable) env = NULL;

  *out = NULL;

  if (value == NULL)
    return TRUE;

  if (value->type != SWARM_JV_OBJECT)
    goto wrong_type;

  env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, swarm_secret_free);

  for (guint i = 0; i < value->n; i++)
    {
      const SwarmJvMember *member = &value->v.members[i];

      if (member->value.type != SWARM_JV_STRING)
        goto wrong_type;

      g_hash_table_insert (env, g_strdup (member->name), g_strdup (member->value.v.string));
    }

  *out = g_steal_pointer (&env);
  return TRUE;

wrong_type:
  g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                       _("“environment” must map names to text values."));
  return FALSE;
}

static gboolean
read_config (const SwarmJv  *object,
             SwarmAgent     *agent,
             GError        **error)
{
  const SwarmJv *config = jv_value (object, "config");

  if (config == NULL)
    return TRUE;

  if (config->type != SWARM_JV_OBJECT)
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                           _("“config” must be a JSON object."));
      return FALSE;
    }

  if (!read_int (jv_value (config, "timeout"), "timeout", FALSE, 0, G_MAXINT32,
                 &agent->config_timeout, error) ||
      !read_string (jv_value (config, "model"), "model", FALSE, &agent->config_model, error) ||
      !read_int (jv_value (config, "max_steps"), "max_steps", FALSE, 0, G_MAXINT32,
                 &agent->config_max_steps, error) ||
      !read_double (jv_value (config, "max_cost_usd"), "max_cost_usd", FALSE, 0, MAX_AMOUNT_USD,
                    &agent->config_max_cost_usd, error))
    {
      g_prefix_error (error, "config: ");
      return FALSE;
    }

  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* Reads one Agent object of the contract.  `id`, `name`, `agent_type`,
 * `status` and `created_at` are required; every other field may be absent
 * or null, but when present must have the right type and a sane value. */
static SwarmAgent *
agent_from_jv (const SwarmJv  *object,
               GError        **error)
{
  g_autoptr(SwarmAgent) agent = NULL;
  g_autofree char *id = NULL;
  g_autofree char *status = NULL;
  g_autofree char *name = NULL;
  g_autofree char *agent_type = NULL;
  g_autofree char *task = NULL;
  const SwarmJv *flag;

#define MEMBER(m) jv_value (object, (m)), (m)

  if (object->type != SWARM_JV_OBJECT)
    {
      not_an_object (_("An agent"), error);
      return NULL;
    }

  if (!read_string (MEMBER ("id"), TRUE, &id, error))
    return NULL;

  if (*id == '\0')
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                           _("“id” is empty."));
      return NULL;
    }

  agent = swarm_agent_new (id);

  if (!read_string (MEMBER ("name"), TRUE, &name, error) ||
      !read_string (MEMBER ("agent_type"), TRUE, &agent_type, error) ||
      !read_string (MEMBER ("status"), TRUE, &status, error) ||
      !read_string (MEMBER ("task_description"), FALSE, &task, error))
    goto fail;

  swarm_set_str (&agent->name, name);
  swarm_set_str (&agent->agent_type, agent_type);
  swarm_set_str (&agent->task_description, task != NULL ? task : "");

  if (!swarm_agent_status_from_string (status, &agent->status))
    {
      g_autofree char *shown = swarm_sanitize_message (status, 40);

      g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                   _("“status” is “%s”, not one of pending, running, completed or failed."),
                   shown);
      goto fail;
    }

  if (!read_string (MEMBER ("sandbox_id"), FALSE, &agent->sandbox_id, error) ||
      !read_int (MEMBER ("tokens_used"), FALSE, 0, MAX_SAFE_INT, &agent->tokens_used, error) ||
      !read_double (MEMBER ("cost_usd"), FALSE, 0, MAX_AMOUNT_USD, &agent->cost_usd, error) ||
      !read_int (MEMBER ("execution_time_ms"), FALSE, 0, MAX_SAFE_INT,
                 &agent->execution_time_ms, error) ||
      !read_time (MEMBER ("created_at"), TRUE, &agent->created_at, error) ||
      !read_time (MEMBER ("completed_at"), FALSE, &agent->completed_at, error) ||
      !read_string (MEMBER ("error_message"), FALSE, &agent->error_message, error) ||
      !read_string (MEMBER ("template"), FALSE, &agent->template_id, error) ||
      !read_strv (MEMBER ("capabilities"), &agent->capabilities, error) ||
      !read_config (object, agent, error) ||
      !read_string (MEMBER ("model"), FALSE, &agent->model, error) ||
      !read_int (MEMBER ("steps"), FALSE, 0, G_MAXINT32, &agent->steps, error) ||
      !read_string (MEMBER ("result"), FALSE, &agent->result, error) ||
      !read_time (MEMBER ("started_at"), FALSE, &agent->started_at, error) ||
      !read_time (MEMBER ("updated_at"), FALSE, &agent->updated_at, error) ||
      !read_string (MEMBER ("sandbox_driver"), FALSE, &agent->sandbox_driver, error) ||
      !read_strv (MEMBER ("environment_keys"), &agent->environment_keys, error) ||
      !read_environment (object, &agent->environment, error))
    goto fail;

#undef MEMBER

  flag = jv_value (object, "result_truncated");
  if (flag != NULL)
    {
      if (flag->type != SWARM_JV_BOOLEAN)
        {
          g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                               _("“result_truncated” must be true or false."));
          goto fail;
        }
      agent->result_truncated = flag->v.boolean;
    }

  /* A backend that predates the extensions: keys from the values it sent. */
  if (agent->environment_keys == NULL && agent->environment != NULL)
    {
      g_autofree gpointer *keys = g_hash_table_get_keys_as_array (agent->environment, NULL);
      g_auto(GStrv) strv = g_strdupv ((char **) keys);

      g_qsort_with_data (strv, g_strv_length (strv), sizeof (char *),
                         compare_strings, NULL);
      agent->environment_keys = g_steal_pointer (&strv);
    }

  agent->elapsed_ms = agent->execution_time_ms;
  return g_steal_pointer (&agent);

fail:
  {
    g_autofree char *shown = swarm_sanitize_message (id, 64);
    g_prefix_error (error, _("Agent “%s”: "), shown);
  }
  return NULL;
}

/**
 * swarm_json_parse_agent_list:
 *
 * Reads `{"agents":[Agent…]}`.  One malformed agent, or one id listed
 * twice, fails the whole list: a table keyed by id cannot show it.
 *
 * Returns: (transfer full) (element-type SwarmAgent): the agents
 */
GPtrArray *
swarm_json_parse_agent_list (GBytes  *bytes,
                             GError **error)
{
  g_autoptr(SwarmJsonDoc) doc = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  g_autoptr(GHashTable) seen = NULL;
  const SwarmJv *root;
  const SwarmJv *list;

  doc = parse_doc (bytes, error);
  if (doc == NULL)
    return NULL;

  root = swarm_json_doc_root (doc);
  if (root->type != SWARM_JV_OBJECT)
    {
      not_an_object (_("The agent list"), error);
      return NULL;
    }

  list = swarm_jv_get_member (root, "agents");
  if (list == NULL || list->type != SWARM_JV_ARRAY)
    {
      g_set_error_literal (error, SWARM_JSON_ERROR,
                           list == NULL ? SWARM_JSON_ERROR_MISSING_MEMBER : SWARM_JSON_ERROR_WRONG_TYPE,
                           _("“agents” must be a list."));
      return NULL;
    }

  agents = g_ptr_array_new_full (list->n, g_object_unref);
  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < list->n; i++)
    {
      SwarmAgent *agent = agent_from_jv (&list->v.elements[i], error);

      if (agent == NULL)
        return NULL;

      g_ptr_array_add (agents, agent);

      if (!g_hash_table_add (seen, agent->id))
        {
          g_autofree char *shown = swarm_sanitize_message (agent->id, 64);

          g_set_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                       _("The agent list names agent “%s” twice."), shown);
          return NULL;
        }
    }

  return g_steal_pointer (&agents);
}

SwarmAgent *
swarm_json_parse_agent (GBytes  *bytes,
                        GError **error)
{
  g_autoptr(SwarmJsonDoc) doc = parse_doc (bytes, error);

  if (doc == NULL)
    return NULL;

  return agent_from_jv (swarm_json_doc_root (doc), error);
}

SwarmDeployResult *
swarm_json_parse_deploy_result (GBytes  *bytes,
                                GError **error)
{
  g_autoptr(JsonNode) root = swarm_json_parse_bytes (bytes, error);
  g_autoptr(SwarmDeployResult) result = NULL;
  JsonObject *object;

  if (root == NULL)
    return NULL;

  object = require_object (root, _("The deploy reply"), error);
  if (object == NULL)
    return NULL;

  result = g_new0 (SwarmDeployResult, 1);
  if (!swarm_json_get_string (object, "agent_id", TRUE, &result->agent_id, error) ||
      !swarm_json_get_string (object, "sandbox_id", FALSE, &result->sandbox_id, error) ||
      !swarm_json_get_string (object, "status", FALSE, &result->status, error))
    return NULL;

  if (*result->agent_id == '\0')
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE,
                           _("“agent_id” is empty."));
      return NULL;
    }

  if (result->status == NULL)
    result->status = g_strdup ("pending");

  return g_steal_pointer (&result);
}

SwarmLogPage *
swarm_json_parse_log_page (GBytes  *bytes,
                           GError **error)
{
  g_autoptr(JsonNode) root = swarm_json_parse_bytes (bytes, error);
  g_autoptr(SwarmLogPage) page = NULL;
  JsonObject *object;
  JsonNode *entries;
  JsonArray *array;
  guint length;

  if (root == NULL)
    return NULL;

  object = require_object (root, _("The log reply"), error);
  if (object == NULL)
    return NULL;

  entries = json_object_get_member (object, "entries");
  if (entries == NULL || !JSON_NODE_HOLDS_ARRAY (entries))
    {
      g_set_error_literal (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_WRONG_TYPE,
                           _("“entries” must be a list."));
      return NULL;
    }

  page = swarm_log_page_new ();
  if (!swarm_json_get_int (object, "next", TRUE, 0, MAX_SAFE_INT, &page->next, error))
    return NULL;

  array = json_node_get_array (entries);
  length = json_array_get_length (array);

  for (guint i = 0; i < length; i++)
    {
      g_autoptr(SwarmLogEntry) entry = g_new0 (SwarmLogEntry, 1);
      g_autofree char *kind = NULL;
      JsonObject *e = require_object (json_array_get_element (array, i), _("A log entry"), error);

      if (e == NULL ||
          !swarm_json_get_int (e, "seq", TRUE, 0, MAX_SAFE_INT, &entry->seq, error) ||
          !get_time (e, "time", TRUE, &entry->time, error) ||
          !swarm_json_get_string (e, "kind", TRUE, &kind, error) ||
          !swarm_json_get_string (e, "text", TRUE, &entry->text, error))
        {
          g_prefix_error (error, _("Log entry %u: "), i + 1);
          return NULL;
        }

      if (!swarm_log_kind_from_string (kind, &entry->kind))
        entry->kind = SWARM_LOG_KIND_SYSTEM;   /* a newer server's kind: show it plainly */

      g_ptr_array_add (page->entries, g_steal_pointer (&entry));
    }

  return g_steal_pointer (&page);
}

SwarmHealth *
swarm_json_parse_health (GBytes  *bytes,
                         GError **error)
{
  g_autoptr(JsonNode) root = swarm_json_parse_bytes (bytes, error);
  g_autoptr(SwarmHealth) health = NULL;
  JsonObject *object;
  JsonNode *llm;

  if (root == NULL)
    return NULL;

  object = require_object (root, _("The health reply"), error);
  if (object == NULL)
    return NULL;

  health = g_new0 (SwarmHealth, 1);
  if (!swarm_json_get_string (object, "name", TRUE, &health->name, error) ||
      !swarm_json_get_string (object, "version", FALSE, &health->version, error) ||
      !swarm_json_get_int (object, "api_version", FALSE, 0, G_MAXINT32,
                           &health->api_version, error) ||
      !swarm_json_get_string (object, "status", FALSE, &health->status, error) ||
      !swarm_json_get_strv (object, "drivers", &health->drivers, error))
    return NULL;

  llm = json_object_get_member (object, "llm");
  if (llm != NULL && JSON_NODE_HOLDS_OBJECT (llm))
    {
      JsonObject *llm_object = json_node_get_object (llm);
      JsonNode *configured = json_object_get_member (llm_object, "configured");

      if (configured != NULL && JSON_NODE_HOLDS_VALUE (configured) &&
          json_node_get_value_type (configured) == G_TYPE_BOOLEAN)
        health->llm_configured = json_node_get_boolean (configured);

      if (!swarm_json_get_string (llm_object, "model", FALSE, &health->llm_model, error))
        return NULL;
    }

  health->has_details = health->status != NULL;

  return g_steal_pointer (&health);
}

/**
 * swarm_json_error_body:
 * @field: (nullable): the request field the error is about
 *
 * Returns: (transfer full): the contract's `{"error":{"code","message","field"}}`
 */
JsonNode *
swarm_json_error_body (const char *code,
                       const char *message,
                       const char *field)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "field");
  if (field != NULL)
    json_builder_add_string_value (builder, field);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * swarm_json_parse_error_body:
 *
 * Reads the contract's `{"error":{"code","message","field"}}`.  Lenient on
 * purpose: any missing part stays %NULL.
 *
 * Returns: %TRUE if @bytes had the error shape
 */
gboolean
swarm_json_parse_error_body (GBytes  *bytes,
                             char   **code,
                             char   **message,
                             char   **field)
{
  g_autoptr(JsonNode) root = NULL;
  JsonNode *error_node;
  JsonObject *error_object;

  *code = *message = *field = NULL;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return FALSE;

  root = swarm_json_parse_bytes (bytes, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;

  error_node = json_object_get_member (json_node_get_object (root), "error");
  if (error_node == NULL || !JSON_NODE_HOLDS_OBJECT (error_node))
    return FALSE;

  error_object = json_node_get_object (error_node);
  if (!swarm_json_get_string (error_object, "code", FALSE, code, NULL))
    *code = NULL;
  if (!swarm_json_get_string (error_object, "message", FALSE, message, NULL))
    *message = NULL;
  if (!swarm_json_get_string (error_object, "field", FALSE, field, NULL))
    *field = NULL;

  return TRUE;
}

char *
swarm_json_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (time == NULL)
    return NULL;

  utc = g_date_time_to_utc (time);
  if (g_date_time_get_microsecond (utc) == 0)
    return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");

  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *member,
          GDateTime   *value)
{
  g_autofree char *text = swarm_json_format_time (value);

  add_string (builder, member, text);
}

static void
add_strv (JsonBuilder        *builder,
          const char         *member,
          const char * const *values)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

/* Cuts @text to at most @max bytes without splitting a character. */
static char *
cut_utf8 (const char *text,
          gsize       max)
{
  const char *end = text + max;

  while (end > text && (*end & 0xC0) == 0x80)
    end--;

  return g_strndup (text, end - text);
}

/**
 * swarm_json_agent_to_node:
 * @list_form: cut `result` to 1 KiB and set `result_truncated`, as
 *   `GET /api/agents` does
 *
 * Writes an Agent object of the contract.  Environment values are never
 * written, only `environment_keys`.
 */
JsonNode *
swarm_json_agent_to_node (SwarmAgent *agent,
                          gboolean    list_form)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autofree char *result = NULL;
  gboolean truncated;

  g_return_val_if_fail (SWARM_IS_AGENT (agent), NULL);

  truncated = agent->result_truncated;

  if (agent->result != NULL && list_form && strlen (agent->result) > SWARM_LIST_RESULT_MAX)
    {
      result = cut_utf8 (agent->result, SWARM_LIST_RESULT_MAX);
      truncated = TRUE;
    }
  else
    {
      result = g_strdup (agent->result);
    }

  json_builder_begin_object (builder);
  add_string (builder, "id", agent->id);
  add_string (builder, "name", agent->name);
  add_string (builder, "agent_type", agent->agent_type);
  add_string (builder, "status", swarm_agent_status_to_string (agent->status));
  add_string (builder, "sandbox_id", agent->sandbox_id);
  add_string (builder, "task_description", agent->task_description);
  json_builder_set_member_name (builder, "tokens_used");
  json_builder_add_int_value (builder, agent->tokens_used);
  json_builder_set_member_name (builder, "cost_usd");
  json_builder_add_double_value (builder, agent->cost_usd);
  json_builder_set_member_name (builder, "execution_time_ms");
  json_builder_add_int_value (builder, agent->execution_time_ms);
  add_time (builder, "created_at", agent->created_at);
  add_time (builder, "completed_at", agent->completed_at);
  add_string (builder, "error_message", agent->error_message);

  add_string (builder, "template", agent->template_id);
  add_strv (builder, "capabilities", (const char * const *) agent->capabilities);
  json_builder_set_member_name (builder, "config");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "timeout");
  json_builder_add_int_value (builder, agent->config_timeout);
  add_string (builder, "model", agent->config_model);
  json_builder_set_member_name (builder, "max_steps");
  if (agent->config_max_steps > 0)
    json_builder_add_int_value (builder, agent->config_max_steps);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "max_cost_usd");
  if (agent->config_max_cost_usd > 0)
    json_builder_add_double_value (builder, agent->config_max_cost_usd);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  add_string (builder, "model", agent->model);
  json_builder_set_member_name (builder, "steps");
  json_builder_add_int_value (builder, agent->steps);
  add_string (builder, "result", result);
  json_builder_set_member_name (builder, "result_truncated");
  json_builder_add_boolean_value (builder, truncated);
  add_time (builder, "started_at", agent->started_at);
  add_time (builder, "updated_at", agent->updated_at);
  add_string (builder, "sandbox_driver", agent->sandbox_driver);
  add_strv (builder, "environment_keys", (const char * const *) agent->environment_keys);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
swarm_json_node_to_data (JsonNode *node,
                         gsize    *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, length);
}

/**
 * swarm_json_agent_list_to_data:
 *
 * Returns: (transfer full): `{"agents":[…]}` in list form
 */
char *
swarm_json_agent_list_to_data (GPtrArray *agents,
                               gsize     *length)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  JsonArray *array = json_array_sized_new (agents->len);

  for (guint i = 0; i < agents->len; i++)
    json_array_add_element (array, swarm_json_agent_to_node (g_ptr_array_index (agents, i), TRUE));

  json_object_set_array_member (object, "agents", array);
  json_node_take_object (root, object);

  return swarm_json_node_to_data (root, length);
}
