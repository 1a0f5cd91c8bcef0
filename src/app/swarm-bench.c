/* swarm-bench.c — figures for build-aux/benchmark, printed on request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-bench"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "swarm-bench.h"

static gint64   start_us;
static gboolean enabled;
static gboolean quit_after_first_rows;

/* Call first thing in main(). */
void
swarm_bench_init (void)
{
  const char *mode = g_getenv ("SWARMYARD_BENCH");

  start_us = g_get_monotonic_time ();
  enabled = g_strcmp0 (mode, "1") == 0 || g_strcmp0 (mode, "quit") == 0;
  quit_after_first_rows = g_strcmp0 (mode, "quit") == 0;
}

/* SWARMYARD_BENCH=quit: the app quits once the first rows are painted, so
 * a profiler sees the launch and nothing after it. */
gboolean
swarm_bench_quit_after_first_rows (void)
{
  return quit_after_first_rows;
}

gboolean
swarm_bench_enabled (void)
{
  return enabled;
}

gint64
swarm_bench_since_start_us (void)
{
  return g_get_monotonic_time () - start_us;
}

/* CPU time the calling thread has used, in microseconds. */
gint64
swarm_bench_thread_cpu_us (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;

  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Resident set size, from /proc/self/status. */
gint64
swarm_bench_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;

  line = strstr (status, "VmRSS:");
  if (line == NULL)
    return -1;

  return g_ascii_strtoll (line + strlen ("VmRSS:"), NULL, 10);
}

void
swarm_bench_print (const char *name,
                   double      value)
{
  if (!enabled)
    return;

  fprintf (stderr, "bench: %s %.3f\n", name, value);
  fflush (stderr);
}
