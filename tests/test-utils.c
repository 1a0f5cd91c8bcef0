/* test-utils.c — formatting and URL helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "swarm-core.h"

static void
check_str (char       *owned,
           const char *expected)
{
  g_assert_cmpstr (owned, ==, expected);
  g_free (owned);
}

static void
test_duration (void)
{
  check_str (swarm_format_duration (0), "0 s");
  check_str (swarm_format_duration (45000), "45 s");
  check_str (swarm_format_duration (59999), "59 s");
  check_str (swarm_format_duration (192000), "3 min 12 s");
  check_str (swarm_format_duration (3600000 + 5 * 60000 + 30000), "1 h 5 min");
  check_str (swarm_format_duration ((gint64) 86400000 * 3 + 3600000 * 4), "3 d 4 h");
  check_str (swarm_format_duration (-5), "0 s");
}

static void
test_count (void)
{
  check_str (swarm_format_count (0), "0");
  check_str (swarm_format_count (999), "999");
  check_str (swarm_format_count (1500), "1,500");
  check_str (swarm_format_count (1234567), "1,234,567");
  check_str (swarm_format_count (-1234), "-1,234");
}

static void
test_cost (void)
{
  check_str (swarm_format_cost (0), "$0.00");
  check_str (swarm_format_cost (0.15), "$0.15");
  check_str (swarm_format_cost (0.00001), "<$0.0001");
  check_str (swarm_format_cost (0.0042), "$0.0042");
  check_str (swarm_format_cost (12.345), "$12.35");
}

static void
test_normalize_url (void)
{
  g_autoptr(GError) error = NULL;

  check_str (swarm_normalize_url ("HTTP://LocalHost:8001/", NULL), "http://localhost:8001");
  check_str (swarm_normalize_url ("https://example.com", NULL), "https://example.com:443");
  check_str (swarm_normalize_url ("http://example.com/base//", NULL), "http://example.com:80/base");
  check_str (swarm_normalize_url ("http://[::1]:8001", NULL), "http://[::1]:8001");

  g_assert_null (swarm_normalize_url ("ftp://x", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (swarm_normalize_url ("not a url", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (swarm_normalize_url ("http://u:p@host:1", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_sanitize (void)
{
  check_str (swarm_sanitize_message ("  line\none\x01  ", 100), "line one");
  check_str (swarm_sanitize_message ("abcdef", 3), "abc…");
  check_str (swarm_sanitize_message ("bad \xff byte", 100), "bad \xef\xbf\xbd byte");
  check_str (swarm_sanitize_message (NULL, 10), "");
}

static void
test_set_str (void)
{
  g_autofree char *s = NULL;

  g_assert_true (swarm_set_str (&s, "a"));
  g_assert_false (swarm_set_str (&s, "a"));
  g_assert_true (swarm_set_str (&s, NULL));
  g_assert_null (s);
}

static void
test_pins (void)
{
  g_autoptr(GVariant) empty = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
  g_autoptr(GVariant) one = g_variant_ref_sink (swarm_settings_with_pin (empty, "https://a:443", "AA:01"));
  g_autoptr(GVariant) two = g_variant_ref_sink (swarm_settings_with_pin (one, "https://b:443", "BB:02"));
  g_autoptr(GVariant) replaced = g_variant_ref_sink (swarm_settings_with_pin (two, "https://a:443", "AA:03"));

  g_assert_null (swarm_settings_lookup_pin (empty, "https://a:443"));
  g_assert_cmpstr (swarm_settings_lookup_pin (one, "https://a:443"), ==, "AA:01");
  g_assert_cmpstr (swarm_settings_lookup_pin (two, "https://a:443"), ==, "AA:01");
  g_assert_cmpstr (swarm_settings_lookup_pin (two, "https://b:443"), ==, "BB:02");
  /* Replaced, not added; the other backend's pin stays. */
  g_assert_cmpuint (g_variant_n_children (replaced), ==, 2);
  g_assert_cmpstr (swarm_settings_lookup_pin (replaced, "https://a:443"), ==, "AA:03");
  g_assert_cmpstr (swarm_settings_lookup_pin (replaced, "https://b:443"), ==, "BB:02");
  g_assert_null (swarm_settings_lookup_pin (replaced, NULL));
}

static void
test_local_default (void)
{
  g_assert_true (swarm_discovery_is_local_default ("http://127.0.0.1:8001"));
  g_assert_true (swarm_discovery_is_local_default ("HTTP://LOCALHOST:8001/"));
  g_assert_false (swarm_discovery_is_local_default ("http://127.0.0.1:8002"));
  g_assert_false (swarm_discovery_is_local_default ("https://127.0.0.1:8001"));
  g_assert_false (swarm_discovery_is_local_default ("not a url"));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/swarm/utils/duration", test_duration);
  g_test_add_func ("/swarm/utils/count", test_count);
  g_test_add_func ("/swarm/utils/cost", test_cost);
  g_test_add_func ("/swarm/utils/normalize-url", test_normalize_url);
  g_test_add_func ("/swarm/utils/sanitize", test_sanitize);
  g_test_add_func ("/swarm/utils/set-str", test_set_str);
  g_test_add_func ("/swarm/utils/pins", test_pins);
  g_test_add_func ("/swarm/utils/local-default", test_local_default);

  return g_test_run ();
}
