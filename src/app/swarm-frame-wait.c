/* swarm-frame-wait.c — run something once the next frame is painted
 *
 * The window and the agent table both hold work back until the frame
 * that shows what they just changed is out: a frame clock's after-paint,
 * with a timeout for when no frame comes (a hidden or throttled window).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "swarm-frame-wait.h"

struct _SwarmFrameWait
{
  SwarmFrameWait     **slot;        /* where the owner keeps this wait */
  GdkFrameClock       *clock;       /* (owned) */
  guint                timeout_id;
  SwarmFrameWaitFunc   done;
  gpointer             user_data;
};

static void on_after_paint_cb (GdkFrameClock  *clock,
                               SwarmFrameWait *wait);

static void
frame_wait_free (SwarmFrameWait *wait)
{
  /* By function, not by id: GDK may have dropped the handlers already
   * when it disposed of the clock with its surface. */
  g_signal_handlers_disconnect_by_func (wait->clock, on_after_paint_cb, wait);
  g_object_unref (wait->clock);
  g_clear_handle_id (&wait->timeout_id, g_source_remove);
  g_free (wait);
}

/* The owner's slot is empty before @done runs: it may start another wait. */
static void
finish (SwarmFrameWait *wait)
{
  SwarmFrameWaitFunc done = wait->done;
  gpointer user_data = wait->user_data;

  *wait->slot = NULL;
  frame_wait_free (wait);
  done (user_data);
}

static void
on_after_paint_cb (GdkFrameClock  *clock,
                   SwarmFrameWait *wait)
{
  finish (wait);
}

static gboolean
timeout_cb (gpointer user_data)
{
  SwarmFrameWait *wait = user_data;

  wait->timeout_id = 0;
  finish (wait);
  return G_SOURCE_REMOVE;
}

/**
 * swarm_frame_wait_start:
 * @slot: where the caller keeps the wait; empty now, emptied again before
 *   @done runs or by swarm_frame_wait_cancel()
 * @widget: a widget whose window is on screen
 * @timeout_ms: how long to wait for a frame at most
 *
 * Calls @done once, after the next frame of @widget's window is painted
 * or after @timeout_ms, whichever comes first.  The caller cancels the
 * wait before @user_data goes away.
 *
 * Returns: %FALSE, and nothing is started, if the window is not mapped
 */
gboolean
swarm_frame_wait_start (SwarmFrameWait     **slot,
                        GtkWidget           *widget,
                        guint                timeout_ms,
                        SwarmFrameWaitFunc   done,
                        gpointer             user_data)
{
  GtkWidget *root;
  GdkFrameClock *clock;
  SwarmFrameWait *wait;

  g_return_val_if_fail (slot != NULL && *slot == NULL, FALSE);
  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (done != NULL, FALSE);

  root = GTK_WIDGET (gtk_widget_get_root (widget));
  if (root == NULL || !gtk_widget_get_mapped (root))
    return FALSE;

  clock = gtk_widget_get_frame_clock (root);
  if (clock == NULL)
    return FALSE;

  wait = g_new0 (SwarmFrameWait, 1);
  wait->slot = slot;
  wait->clock = g_object_ref (clock);
  wait->done = done;
  wait->user_data = user_data;
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), wait);
  wait->timeout_id = g_timeout_add (timeout_ms, timeout_cb, wait);
  *slot = wait;
  return TRUE;
}

/**
 * swarm_frame_wait_cancel:
 *
 * Drops the wait in @slot, if any, without calling its function.
 */
void
swarm_frame_wait_cancel (SwarmFrameWait **slot)
{
  SwarmFrameWait *wait;

  g_return_if_fail (slot != NULL);

  wait = g_steal_pointer (slot);
  if (wait != NULL)
    frame_wait_free (wait);
}
