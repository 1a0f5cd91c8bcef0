/* main.c — swarmyard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "swarm-application.h"
#include "swarm-bench.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SwarmApplication) app = NULL;

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
