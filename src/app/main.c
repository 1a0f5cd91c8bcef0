/* main.c — swarmyard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib/gi18n.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "swarm-application.h"
#include "swarm-bench.h"

/* GLib before 2.76 keeps freed small blocks in GSlice's own caches, for
 * good: parsing a 10,000-agent list every few seconds would pin ~50 MB.
 * GSlice reads G_SLICE before main() runs, so set it and start again. */
static void
use_plain_malloc (char *argv[])
{
  g_autofree char *self = NULL;

  if (glib_check_version (2, 76, 0) == NULL || g_getenv ("G_SLICE") != NULL)
    return;

  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL || setenv ("G_SLICE", "always-malloc", 1) != 0)
    return;

  execv (self, argv);
  /* Could not: go on with GSlice. */
  unsetenv ("G_SLICE");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SwarmApplication) app = NULL;

  use_plain_malloc (argv);
  swarm_bench_init ();

#ifdef __GLIBC__
  /* Few arenas: worker threads that parse lists would each keep one. */
  mallopt (M_ARENA_MAX, 2);
#endif

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name ("Swarmyard");

  app = swarm_application_new (G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
