/* swarm-utils.c — small helpers shared by every part of Swarmyard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-utils"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "swarm-utils.h"

/**
 * swarm_set_str:
 * @dest: (inout): a string owned by the caller
 * @src: (nullable): the new value
 *
 * Replaces *@dest with a copy of @src unless they are equal.
 *
 * Returns: %TRUE if *@dest changed
 */
gboolean
swarm_set_str (char       **dest,
               const char  *src)
{
  g_return_val_if_fail (dest != NULL, FALSE);

  if (g_strcmp0 (*dest, src) == 0)
    return FALSE;

  g_free (*dest);
  *dest = g_strdup (src);
  return TRUE;
}

/**
 * swarm_str_wipe:
 *
 * Overwrites a secret with zeros, in a way the compiler keeps.
 */
void
swarm_str_wipe (char *str)
{
  if (str != NULL)
    explicit_bzero (str, strlen (str));
}

/**
 * swarm_secret_free:
 *
 * A #GDestroyNotify for secret strings: wipes, then frees.
 */
void
swarm_secret_free (gpointer str)
{
  swarm_str_wipe (str);
  g_free (str);
}

/**
 * swarm_format_duration:
 * @ms: a duration in milliseconds
 *
 * Returns: a short duration such as “45 s”, “3 min 12 s” or “2 h 5 min”
 */
char *
swarm_format_duration (gint64 ms)
{
  gint64 s = MAX (ms, 0) / 1000;

  if (s < 60)
    /* Translators: a duration in seconds, as in “45 s” */
    return g_strdup_printf (_("%d s"), (int) s);

  if (s < 3600)
    /* Translators: a duration, as in “3 min 12 s” */
    return g_strdup_printf (_("%d min %d s"), (int) (s / 60), (int) (s % 60));

  if (s < 86400)
    /* Translators: a duration, as in “2 h 5 min” */
    return g_strdup_printf (_("%d h %d min"), (int) (s / 3600), (int) ((s % 3600) / 60));

  /* Translators: a duration, as in “3 d 4 h” */
  return g_strdup_printf (_("%d d %d h"), (int) MIN (s / 86400, G_MAXINT),
                          (int) ((s % 86400) / 3600));
}

/**
 * swarm_format_count:
 *
 * Returns: @value with its digits grouped by the locale's separator
 *   (a comma when the locale has none), as in “1,234,567”
 */
char *
swarm_format_count (gint64 value)
{
  const struct lconv *lc = localeconv ();
  const char *sep = (lc->thousands_sep != NULL && *lc->thousands_sep != '\0') ? lc->thousands_sep : ",";
  char digits[32];
  GString *out = g_string_new (NULL);
  gsize len;

  g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT,
              value < 0 ? (guint64) 0 - (guint64) value : (guint64) value);
  len = strlen (digits);

  if (value < 0)
    g_string_append_c (out, '-');

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, sep);
      g_string_append_c (out, digits[i]);
    }

  return g_string_free (out, FALSE);
}

/**
 * swarm_format_cost:
 *
 * Returns: a US-dollar amount with two decimals, or four below one cent
 *   (agents often cost fractions of a cent), as in “$0.15” or “$0.0042”
 */
char *
swarm_format_cost (double usd)
{
  if (usd <= 0.0)
    return g_strdup ("$0.00");

  if (usd < 0.00005)
    return g_strdup ("<$0.0001");

  if (usd < 0.01)
    return g_strdup_printf ("$%.4f", usd);

  return g_strdup_printf ("$%.2f", usd);
}

/**
 * swarm_date_time_to_unix_us:
 *
 * Returns: @time in microseconds since the epoch
 */
gint64
swarm_date_time_to_unix_us (GDateTime *time)
{
  g_return_val_if_fail (time != NULL, 0);

  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

/**
 * swarm_settings_lookup_pin:
 * @pins: the `pinned-certificates` setting (a{ss})
 * @backend: a normalised backend URL
 *
 * Returns: (nullable): the certificate fingerprint the user accepted for
 *   @backend, owned by @pins
 */
const char *
swarm_settings_lookup_pin (GVariant   *pins,
                           const char *backend)
{
  const char *pin = NULL;

  g_return_val_if_fail (pins != NULL, NULL);

  if (backend == NULL || !g_variant_lookup (pins, backend, "&s", &pin))
    return NULL;

  return pin;
}

/**
 * swarm_settings_with_pin:
 *
 * Returns: (transfer floating): @pins with @fingerprint for @backend,
 *   replacing any other pin of @backend and keeping the other backends'
 */
GVariant *
swarm_settings_with_pin (GVariant   *pins,
                         const char *backend,
                         const char *fingerprint)
{
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  const char *pin;

  g_return_val_if_fail (pins != NULL, NULL);
  g_return_val_if_fail (backend != NULL, NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_iter_init (&iter, pins);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &pin))
    if (!g_str_equal (key, backend))
      g_variant_builder_add (&builder, "{ss}", key, pin);
  g_variant_builder_add (&builder, "{ss}", backend, fingerprint);

  return g_variant_builder_end (&builder);
}

/**
 * swarm_format_timestamp:
 * @unix_us: a wall-clock time
 * @now_us: the current wall-clock time
 *
 * Returns: the time, in local time, as short as is clear: “14:05” today,
 *   “Nov 24, 14:05” this year, “Nov 24 2025, 14:05” before
 */
char *
swarm_format_timestamp (gint64 unix_us,
                        gint64 now_us)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now_utc = g_date_time_new_from_unix_utc (now_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = NULL;
  const char *format;

  if (utc == NULL || now_utc == NULL)
    return g_strdup ("—");

  local = g_date_time_to_local (utc);
  now = g_date_time_to_local (now_utc);

  if (g_date_time_get_year (local) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    /* Translators: a time today, see the GDateTime documentation */
    format = C_("time today", "%H:%M");
  else if (g_date_time_get_year (local) == g_date_time_get_year (now))
    /* Translators: a date and time this year, see the GDateTime documentation */
    format = C_("time this year", "%b %-d, %H:%M");
  else
    /* Translators: a date and time before this year, see the GDateTime documentation */
    format = C_("time other year", "%b %-d %Y, %H:%M");

  return g_date_time_format (local, format);
}

/**
 * swarm_normalize_url:
 * @url: a backend URL typed by a person or stored in settings
 *
 * Normalises an http(s) URL the way the history cache keys backends: a
 * lower-case scheme and host, an explicit port, no trailing slash, no
 * query, fragment or user info.
 *
 * Returns: (transfer full): the normalised URL, or %NULL with @error set
 */
char *
swarm_normalize_url (const char  *url,
                     GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  int port;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a web address such as http://127.0.0.1:8001."), url);
      return NULL;
    }

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (strcmp (scheme, "http") != 0 && strcmp (scheme, "https") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” must start with http:// or https://."), url);
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” must not contain a user name, a query or a fragment."), url);
      return NULL;
    }

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);
  if (port == -1)
    port = strcmp (scheme, "https") == 0 ? 443 : 80;

  path = g_strdup (g_uri_get_path (uri));
  while (*path != '\0' && path[strlen (path) - 1] == '/')
    path[strlen (path) - 1] = '\0';

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("%s://[%s]:%d%s", scheme, host, port, path);

  return g_strdup_printf ("%s://%s:%d%s", scheme, host, port, path);
}

/**
 * swarm_sanitize_message:
 * @text: a message from a server, possibly hostile
 * @max_chars: the most characters to keep
 *
 * Makes a server's message safe to show: valid UTF-8, control characters
 * replaced by spaces, whitespace trimmed, at most @max_chars characters
 * (an ellipsis marks a cut).
 *
 * Returns: (transfer full): the sanitised text
 */
char *
swarm_sanitize_message (const char *text,
                        gsize       max_chars)
{
  g_autofree char *valid = NULL;
  GString *out;
  gsize count = 0;

  if (text == NULL)
    return g_strdup ("");

  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (count == max_chars)
        {
          g_string_append (out, "…");
          break;
        }

      if (g_unichar_iscntrl (c))
        c = ' ';

      g_string_append_unichar (out, c);
      count++;
    }

  return g_strstrip (g_string_free (out, FALSE));
}

/**
 * swarm_redact:
 * @text: (nullable): text about to be stored or served
 * @secrets: (nullable): name → secret value
 *
 * Replaces every secret value of four or more characters with `***`.
 * Shorter values would turn ordinary words into stars and hide nothing.
 *
 * Returns: (transfer full) (nullable): the redacted text
 */
char *
swarm_redact (const char *text,
              GHashTable *secrets)
{
  GString *out;
  GHashTableIter iter;
  gpointer value;

  if (text == NULL)
    return NULL;

  out = g_string_new (text);
  if (secrets == NULL)
    return g_string_free (out, FALSE);

  g_hash_table_iter_init (&iter, secrets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const char *secret = value;

      if (secret == NULL || strlen (secret) < 4)
        continue;

      g_string_replace (out, secret, "***", 0);
    }

  return g_string_free (out, FALSE);
}
