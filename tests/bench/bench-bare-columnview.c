/* bench-bare-columnview.c — the baseline for build-aux/benchmark
 *
 * A bare GTK 4 application (no libadwaita, no network, no JSON) that shows
 * 10,000 rows in a GtkColumnView of 8 label columns, in a 1100×720 window.
 * The model chain mirrors the app's: GListStore → GtkSortListModel (with
 * the column view's sorter) → GtkSingleSelection.
 *
 * On the first frame painted after the model is set it prints, on stderr,
 *
 *   bench: first-rows-painted-ms X   (since main() started)
 *   bench: first-rows-rss-mib X      (VmRSS)
 *
 * and quits.  `--rows N` changes the number of rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <gtk/gtk.h>

static gint64 start_us;
static int    n_rows = 10000;

/* BenchRow: one row of data --------------------------------------------- */

#define BENCH_TYPE_ROW (bench_row_get_type ())
G_DECLARE_FINAL_TYPE (BenchRow, bench_row, BENCH, ROW, GObject)

struct _BenchRow
{
  GObject  parent_instance;

  char    *name;
  char    *status;
  char    *sandbox;
  char    *task;
  gint64   tokens;
  gint64   elapsed_ms;
  double   cost;
  char    *model;
};

G_DEFINE_FINAL_TYPE (BenchRow, bench_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_STATUS,
  PROP_SANDBOX,
  PROP_TASK,
  PROP_TOKENS,
  PROP_ELAPSED_MS,
  PROP_COST,
  PROP_MODEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
bench_row_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  BenchRow *self = BENCH_ROW (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_SANDBOX:
      g_value_set_string (value, self->sandbox);
      break;
    case PROP_TASK:
      g_value_set_string (value, self->task);
      break;
    case PROP_TOKENS:
      g_value_set_int64 (value, self->tokens);
      break;
    case PROP_ELAPSED_MS:
      g_value_set_int64 (value, self->elapsed_ms);
      break;
    case PROP_COST:
      g_value_set_double (value, self->cost);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_row_finalize (GObject *object)
{
  BenchRow *self = BENCH_ROW (object);

  g_free (self->name);
  g_free (self->status);
  g_free (self->sandbox);
  g_free (self->task);
  g_free (self->model);

  G_OBJECT_CLASS (bench_row_parent_class)->finalize (object);
}

static void
bench_row_class_init (BenchRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = bench_row_get_property;
  object_class->finalize = bench_row_finalize;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  properties[PROP_SANDBOX] = g_param_spec_string ("sandbox", NULL, NULL, NULL, flags);
  properties[PROP_TASK] = g_param_spec_string ("task", NULL, NULL, NULL, flags);
  properties[PROP_TOKENS] = g_param_spec_int64 ("tokens", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_ELAPSED_MS] = g_param_spec_int64 ("elapsed-ms", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_COST] = g_param_spec_double ("cost", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_MODEL] = g_param_spec_string ("model", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bench_row_init (G_GNUC_UNUSED BenchRow *self)
{
}

static BenchRow *
bench_row_new (guint i)
{
  static const char * const statuses[] = { "Pending", "Running", "Completed", "Failed" };
  static const char * const models[] = { "gpt-4o-mini", "claude-3-5-haiku", "llama-3.1-70b" };
  BenchRow *self = g_object_new (BENCH_TYPE_ROW, NULL);

  self->name = g_strdup_printf ("agent-%05u", i);
  self->status = g_strdup (statuses[i % G_N_ELEMENTS (statuses)]);
  self->sandbox = g_strdup_printf ("sbx-%08x%08x", g_str_hash (self->name), i * 2654435761u);
  self->task = g_strdup_printf ("Fix the failing test number %u in the parser and open a pull request", i);
  self->tokens = (gint64) (i * 7919u % 250000u);
  self->elapsed_ms = (gint64) (i * 104729u % 3600000u);
  self->cost = self->tokens * 0.0000025;
  self->model = g_strdup (models[i % G_N_ELEMENTS (models)]);

  return self;
}

/* Cells ------------------------------------------------------------------ */

typedef enum {
  COLUMN_NAME,
  COLUMN_STATUS,
  COLUMN_SANDBOX,
  COLUMN_TASK,
  COLUMN_TOKENS,
  COLUMN_TIME,
  COLUMN_COST,
  COLUMN_MODEL,
  N_COLUMNS
} BenchColumn;

static const struct {
  const char *title;
  const char *property;   /* sort key; NULL: not sortable */
  int         fixed_width;
  gboolean    numeric;
} columns[N_COLUMNS] = {
  [COLUMN_NAME] = { "Agent Name", "name", 180, FALSE },
  [COLUMN_STATUS] = { "Status", "status", -1, FALSE },
  [COLUMN_SANDBOX] = { "Sandbox ID", "sandbox", 170, FALSE },
  [COLUMN_TASK] = { "Task", NULL, 260, FALSE },
  [COLUMN_TOKENS] = { "Tokens", "tokens", -1, TRUE },
  [COLUMN_TIME] = { "Time", "elapsed-ms", -1, TRUE },
  [COLUMN_COST] = { "Cost", "cost", -1, TRUE },
  [COLUMN_MODEL] = { "Model", "model", -1, FALSE },
};

static void
setup_cb (G_GNUC_UNUSED GtkSignalListItemFactory *factory,
          GtkListItem                           *list_item,
          gpointer                               user_data)
{
  BenchColumn column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), columns[column].numeric ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_list_item_set_child (list_item, label);
}

static void
bind_cb (G_GNUC_UNUSED GtkSignalListItemFactory *factory,
         GtkListItem                           *list_item,
         gpointer                               user_data)
{
  BenchColumn column = GPOINTER_TO_INT (user_data);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  BenchRow *row = gtk_list_item_get_item (list_item);
  char buffer[64];

  switch (column)
    {
    case COLUMN_NAME:
      gtk_label_set_text (label, row->name);
      break;
    case COLUMN_STATUS:
      gtk_label_set_text (label, row->status);
      break;
    case COLUMN_SANDBOX:
      gtk_label_set_text (label, row->sandbox);
      break;
    case COLUMN_TASK:
      gtk_label_set_text (label, row->task);
      break;
    case COLUMN_TOKENS:
      g_snprintf (buffer, sizeof buffer, "%" G_GINT64_FORMAT, row->tokens);
      gtk_label_set_text (label, buffer);
      break;
    case COLUMN_TIME:
      g_snprintf (buffer, sizeof buffer, "%" G_GINT64_FORMAT ":%02d",
                  row->elapsed_ms / 60000, (int) (row->elapsed_ms / 1000 % 60));
      gtk_label_set_text (label, buffer);
      break;
    case COLUMN_COST:
      g_snprintf (buffer, sizeof buffer, "$%.4f", row->cost);
      gtk_label_set_text (label, buffer);
      break;
    case COLUMN_MODEL:
      gtk_label_set_text (label, row->model);
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static GtkSorter *
make_sorter (BenchColumn column)
{
  GtkExpression *expression;

  if (columns[column].property == NULL)
    return NULL;

  expression = gtk_property_expression_new (BENCH_TYPE_ROW, NULL, columns[column].property);
  if (columns[column].numeric)
    return GTK_SORTER (gtk_numeric_sorter_new (expression));
  else
    return GTK_SORTER (gtk_string_sorter_new (expression));
}

/* Measuring ---------------------------------------------------------------- */

static double
rss_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;

  line = strstr (status, "VmRSS:");
  if (line == NULL)
    return -1;

  return g_ascii_strtoll (line + strlen ("VmRSS:"), NULL, 10) / 1024.0;
}

static void
after_paint_cb (GdkFrameClock *clock,
                GApplication  *app)
{
  double painted_ms = (g_get_monotonic_time () - start_us) / 1000.0;

  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, app);
  fprintf (stderr, "bench: first-rows-painted-ms %.3f\n", painted_ms);
  fprintf (stderr, "bench: first-rows-rss-mib %.3f\n", rss_mib ());
  fflush (stderr);

  g_application_quit (app);
}

static void
window_realize_cb (GtkWidget    *window,
                   GApplication *app)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint_cb), app);
}

/* Application -------------------------------------------------------------- */

static void
activate_cb (GtkApplication        *app,
             G_GNUC_UNUSED gpointer user_data)
{
  GtkWidget *window = gtk_application_window_new (app);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_column_view_new (NULL);
  g_autoptr(GListStore) store = g_list_store_new (BENCH_TYPE_ROW);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_full (n_rows, g_object_unref);
  GtkSortListModel *sort_model;
  GtkSingleSelection *selection;

  gtk_window_set_title (GTK_WINDOW (window), "Bare GtkColumnView");
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);

  gtk_column_view_set_show_row_separators (GTK_COLUMN_VIEW (view), TRUE);
  for (BenchColumn c = 0; c < N_COLUMNS; c++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;
      GtkSorter *sorter = make_sorter (c);

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), GINT_TO_POINTER (c));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), GINT_TO_POINTER (c));
      column = gtk_column_view_column_new (columns[c].title, factory);
      gtk_column_view_column_set_resizable (column, TRUE);
      if (columns[c].fixed_width > 0)
        gtk_column_view_column_set_fixed_width (column, columns[c].fixed_width);
      else
        gtk_column_view_column_set_expand (column, TRUE);
      if (sorter != NULL)
        {
          gtk_column_view_column_set_sorter (column, sorter);
          g_object_unref (sorter);
        }
      gtk_column_view_append_column (GTK_COLUMN_VIEW (view), column);
      g_object_unref (column);
    }

  /* The whole list arrives at once, like the app's first refresh. */
  for (int i = 0; i < n_rows; i++)
    g_ptr_array_add (rows, bench_row_new (i));
  g_list_store_splice (store, 0, 0, rows->pdata, rows->len);

  sort_model = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (store)),
                                        g_object_ref (gtk_column_view_get_sorter (GTK_COLUMN_VIEW (view))));
  selection = gtk_single_selection_new (G_LIST_MODEL (sort_model));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
  gtk_column_view_set_model (GTK_COLUMN_VIEW (view), GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);

  g_signal_connect (window, "realize", G_CALLBACK (window_realize_cb), app);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkApplication) app = NULL;

  start_us = g_get_monotonic_time ();

  /* GApplication would reject an option it does not know: take ours first. */
  if (argc == 3 && g_str_equal (argv[1], "--rows"))
    {
      n_rows = (int) CLAMP (g_ascii_strtoll (argv[2], NULL, 10), 0, G_MAXINT);
      argc = 1;
    }

  app = gtk_application_new ("io.github.swarmyard.BenchBareColumnView", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
