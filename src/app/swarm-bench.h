/* swarm-bench.h — figures for build-aux/benchmark, printed on request
 *
 * With SWARMYARD_BENCH=1 in the environment the app prints lines such as
 * `bench: first-rows-painted-ms 412.3` on stderr; otherwise nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void     swarm_bench_init           (void);
gboolean swarm_bench_enabled        (void);
gboolean swarm_bench_quit_after_first_rows (void);
gint64   swarm_bench_since_start_us (void);
gint64   swarm_bench_thread_cpu_us  (void);
gint64   swarm_bench_rss_kib        (void);
void     swarm_bench_print          (const char *name,
                                     double      value);

G_END_DECLS
