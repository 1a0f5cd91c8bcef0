/* swarm-client.c — the backend's REST API, asynchronously
 *
 * One SoupSession; every exchange runs on the caller's main context.
 * libsoup's own `timeout` only bounds each socket read, so a server that
 * trickles a byte a second would never time out: each exchange has its
 * own deadline for the whole thing, and stops reading past a size limit
 * (libsoup has none).  Large agent lists are parsed in a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-client"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "swarm-client.h"
#include "swarm-json.h"
#include "swarm-utils.h"

#define READ_CHUNK            (256 * 1024)
#define THREAD_PARSE_MIN      (100 * 1024)
#define SERVER_MESSAGE_MAX    500

struct _SwarmClient
{
  GObject      parent_instance;

  SoupSession *session;      /* (owned) */
  char        *base_url;     /* (owned): no trailing slash */
  char        *token;        /* (owned) (nullable): secret */
  guint        timeout_ms;
  gsize        max_body;

  GMutex       tls_lock;     /* the two below are read and set by worker threads too */
  char        *pinned;       /* (owned) (nullable): SHA-256 fingerprint the user accepted */
  char        *untrusted;    /* (owned) (nullable): the last certificate refused */
};

G_DEFINE_FINAL_TYPE (SwarmClient, swarm_client, G_TYPE_OBJECT)
G_DEFINE_QUARK (swarm-client-error-quark, swarm_client_error)

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_TIMEOUT_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  REQUEST_LIST,
  REQUEST_GET,
  REQUEST_DEPLOY,
  REQUEST_TERMINATE,
  REQUEST_DESTROY,
  REQUEST_LOGS,
  REQUEST_HEALTH,
} RequestKind;

typedef struct
{
  RequestKind   kind;
  SoupSession  *session;          /* (owned) */
  SoupMessage  *msg;              /* (owned) */
  char         *base_url;         /* (owned): for messages */
  GCancellable *cancellable;      /* (owned): the exchange's own */
  GCancellable *user_cancellable; /* (owned) (nullable) */
  gulong        user_cancel_id;
  GSource      *deadline;         /* (owned) (nullable) */
  guint         timeout_ms;
  int           timed_out;        /* atomic: set on the main thread, read by a worker */
  GInputStream *stream;           /* (owned) (nullable) */
  GByteArray   *body;             /* (owned) */
  gsize         max_body;
  char         *error_field;      /* (owned) (nullable) */
  SwarmClient  *client;           /* (owned): for the certificate check */
  char         *refused_cert;     /* (owned) (nullable): fingerprint of a refused certificate */
} Exchange;

static void
exchange_free (Exchange *ex)
{
  if (ex->deadline != NULL)
    {
      g_source_destroy (ex->deadline);
      g_source_unref (ex->deadline);
    }
  if (ex->user_cancellable != NULL)
    {
      g_cancellable_disconnect (ex->user_cancellable, ex->user_cancel_id);
      g_object_unref (ex->user_cancellable);
    }
  g_clear_object (&ex->cancellable);
  g_clear_object (&ex->stream);
  g_clear_object (&ex->msg);
  g_clear_object (&ex->session);
  g_byte_array_unref (ex->body);
  g_free (ex->base_url);
  g_free (ex->error_field);
  g_free (ex->refused_cert);
  g_clear_object (&ex->client);
  g_free (ex);
}

static SoupSession *
build_session (void)
{
  g_autofree char *user_agent = g_strdup_printf ("Swarmyard/%s", PACKAGE_VERSION);

  /* Each exchange has its own deadline; the per-read timeout only backs it
   * up.  The session is configured here, once: list requests send from a
   * worker thread, after which libsoup wants the session left alone. */
  return soup_session_new_with_options ("user-agent", user_agent,
                                        "timeout", 60,
                                        "idle-timeout", 60,
                                        "max-conns-per-host", 4,
                                        NULL);
}

static void
swarm_client_finalize (GObject *object)
{
  SwarmClient *self = SWARM_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->token, swarm_secret_free);
  g_clear_pointer (&self->pinned, g_free);
  g_clear_pointer (&self->untrusted, g_free);
  g_mutex_clear (&self->tls_lock);

  G_OBJECT_CLASS (swarm_client_parent_class)->finalize (object);
}

static void
swarm_client_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SwarmClient *self = SWARM_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
swarm_client_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SwarmClient *self = SWARM_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      swarm_client_set_base_url (self, g_value_get_string (value));
      break;
    case PROP_TIMEOUT_MS:
      swarm_client_set_timeout_ms (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
swarm_client_class_init (SwarmClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = swarm_client_finalize;
  object_class->get_property = swarm_client_get_property;
  object_class->set_property = swarm_client_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT_MS] =
    g_param_spec_uint ("timeout-ms", NULL, NULL, 1, G_MAXUINT, SWARM_CLIENT_DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
swarm_client_init (SwarmClient *self)
{
  g_mutex_init (&self->tls_lock);
  self->timeout_ms = SWARM_CLIENT_DEFAULT_TIMEOUT_MS;
  self->max_body = SWARM_CLIENT_DEFAULT_MAX_BODY;
  self->session = build_session ();
  self->base_url = g_strdup ("http://127.0.0.1:8001");
}

SwarmClient *
swarm_client_new (const char *base_url)
{
  return g_object_new (SWARM_TYPE_CLIENT, "base-url", base_url, NULL);
}

const char *
swarm_client_get_base_url (SwarmClient *self)
{
  g_return_val_if_fail (SWARM_IS_CLIENT (self), NULL);

  return self->base_url;
}

void
swarm_client_set_base_url (SwarmClient *self,
                           const char  *base_url)
{
  g_autofree char *trimmed = NULL;
  gsize length;

  g_return_if_fail (SWARM_IS_CLIENT (self));

  if (base_url == NULL)
    return;

  trimmed = g_strstrip (g_strdup (base_url));
  length = strlen (trimmed);
  while (length > 0 && trimmed[length - 1] == '/')
    trimmed[--length] = '\0';

  if (swarm_set_str (&self->base_url, trimmed))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
}

/**
 * swarm_client_set_token:
 * @token: (nullable): the bearer token, or %NULL for none
 *
 * The token is sent as `Authorization: Bearer` with every request.  It is
 * a secret: it is never logged and is wiped from memory when replaced.
 */
void
swarm_client_set_token (SwarmClient *self,
                        const char  *token)
{
  g_return_if_fail (SWARM_IS_CLIENT (self));

  g_clear_pointer (&self->token, swarm_secret_free);
  if (token != NULL && *token != '\0')
    self->token = g_strdup (token);
}

/**
 * swarm_client_set_pinned_certificate:
 * @sha256: (nullable): the fingerprint (as swarm_certificate_fingerprint()
 *   writes it) of a certificate the user accepted for this backend
 *
 * A server presenting that certificate is trusted even though no
 * authority vouches for it; any other untrusted certificate still fails
 * with %SWARM_CLIENT_ERROR_UNTRUSTED_CERTIFICATE.
 */
void
swarm_client_set_pinned_certificate (SwarmClient *self,
                                     const char  *sha256)
{
  g_return_if_fail (SWARM_IS_CLIENT (self));

  g_mutex_lock (&self->tls_lock);
  swarm_set_str (&self->pinned, sha256 != NULL && *sha256 != '\0' ? sha256 : NULL);
  g_mutex_unlock (&self->tls_lock);
}

/**
 * swarm_client_dup_untrusted_certificate:
 *
 * Returns: (transfer full) (nullable): the fingerprint of the last
 *   certificate this client refused, to show the user before pinning it
 */
char *
swarm_client_dup_untrusted_certificate (SwarmClient *self)
{
  char *fingerprint;

  g_return_val_if_fail (SWARM_IS_CLIENT (self), NULL);

  g_mutex_lock (&self->tls_lock);
  fingerprint = g_strdup (self->untrusted);
  g_mutex_unlock (&self->tls_lock);

  return fingerprint;
}

gboolean
swarm_client_has_token (SwarmClient *self)
{
  g_return_val_if_fail (SWARM_IS_CLIENT (self), FALSE);

  return self->token != NULL;
}

guint
swarm_client_get_timeout_ms (SwarmClient *self)
{
  g_return_val_if_fail (SWARM_IS_CLIENT (self), 0);

  return self->timeout_ms;
}

/**
 * swarm_client_set_timeout_ms:
 *
 * Sets the deadline for each whole exchange (connect, send, read the
 * whole body).  The default is five seconds; tests use less.
 */
void
swarm_client_set_timeout_ms (SwarmClient *self,
                             guint        timeout_ms)
{
  g_return_if_fail (SWARM_IS_CLIENT (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->timeout_ms == timeout_ms)
    return;

  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT_MS]);
}

/**
 * swarm_client_set_max_body_size:
 *
 * Sets how much of a reply is read before giving up (64 MiB by default).
 */
void
swarm_client_set_max_body_size (SwarmClient *self,
                                gsize        max_body)
{
  g_return_if_fail (SWARM_IS_CLIENT (self));
  g_return_if_fail (max_body > 0);

  self->max_body = max_body;
}

/* Errors -------------------------------------------------------------- */

static GError *
bad_response_error (GError *json_error)
{
  GError *error = g_error_new (SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_BAD_RESPONSE,
                               _("The backend sent a reply Swarmyard cannot read. %s"),
                               json_error->message);

  g_error_free (json_error);
  return error;
}

static GError *
transport_error (Exchange *ex,
                 GError   *error)
{
  GError *mapped;

  if (g_atomic_int_get (&ex->timed_out) || g_error_matches (error, G_IO_ERROR,
                                                            G_IO_ERROR_TIMED_OUT))
    {
      mapped = g_error_new (SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_TIMED_OUT,
                            _("The backend at %s did not answer within %u s."),
                            ex->base_url, MAX (1u, ex->timeout_ms / 1000));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      return error;
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      mapped = g_error_new (SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE,
                            _("Could not connect to %s: the connection was refused."),
                            ex->base_url);
    }
  else if (error->domain == G_RESOLVER_ERROR)
    {
      mapped = g_error_new (SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE,
                            _("Could not find the server of %s."), ex->base_url);
    }
  else if (error->domain == G_TLS_ERROR && ex->refused_cert != NULL)
    {
      mapped = g_error_new (SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNTRUSTED_CERTIFICATE,
                            _("The certificate of %s is not one this computer trusts "
                              "(it may be self-signed). Its SHA-256 fingerprint is %s."),
                            ex->base_url, ex->refused_cert);
    }
  else if (error->domain == G_TLS_ERROR)
    {
      mapped = g_error_new (SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE,
                            _("The secure connection to %s failed: %s"),
                            ex->base_url, error->message);
    }
  else
    {
      mapped = g_error_new (SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE,
                            _("Could not reach %s: %s"), ex->base_url, error->message);
    }

  g_error_free (error);
  return mapped;
}

static const struct {
  const char       *code;
  SwarmClientError  error;
} error_codes[] = {
  { "invalid_json", SWARM_CLIENT_ERROR_INVALID_REQUEST },
  { "invalid_field", SWARM_CLIENT_ERROR_INVALID_REQUEST },
  { "template_unavailable", SWARM_CLIENT_ERROR_TEMPLATE_UNAVAILABLE },
  { "unauthorized", SWARM_CLIENT_ERROR_UNAUTHORIZED },
  { "no_route", SWARM_CLIENT_ERROR_NO_ROUTE },
  { "not_found", SWARM_CLIENT_ERROR_NOT_FOUND },
  { "name_taken", SWARM_CLIENT_ERROR_NAME_TAKEN },
  { "already_ended", SWARM_CLIENT_ERROR_ALREADY_ENDED },
  { "payload_too_large", SWARM_CLIENT_ERROR_PAYLOAD_TOO_LARGE },
  { "llm_not_configured", SWARM_CLIENT_ERROR_LLM_NOT_CONFIGURED },
  { "sandbox_failed", SWARM_CLIENT_ERROR_SANDBOX_FAILED },
  { "internal", SWARM_CLIENT_ERROR_SERVER },
};

static SwarmClientError
error_from_status (RequestKind kind,
                   guint       status)
{
  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST:
      return SWARM_CLIENT_ERROR_INVALID_REQUEST;
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_FORBIDDEN:
      return SWARM_CLIENT_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_NOT_FOUND:
      /* A bare 404 on a path naming an agent means the agent is gone; on
       * anything else, that the server has no such endpoint. */
      if (kind == REQUEST_GET || kind == REQUEST_TERMINATE || kind == REQUEST_DESTROY)
        return SWARM_CLIENT_ERROR_NOT_FOUND;
      return SWARM_CLIENT_ERROR_NO_ROUTE;
    case SOUP_STATUS_METHOD_NOT_ALLOWED:
      return SWARM_CLIENT_ERROR_NO_ROUTE;
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      return SWARM_CLIENT_ERROR_PAYLOAD_TOO_LARGE;
    case 429:   /* Too Many Requests; libsoup 3.2 has no name for it */
      return SWARM_CLIENT_ERROR_RATE_LIMITED;
    default:
      if (status >= 500 && status < 600)
        return SWARM_CLIENT_ERROR_SERVER;
      return SWARM_CLIENT_ERROR_HTTP;
    }
}

/* Seconds to wait from a Retry-After header, or -1. */
static gint64
parse_retry_after (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64 seconds;

  if (value == NULL)
    return -1;

  if (g_ascii_string_to_unsigned (value, 10, 0, 86400 * 7, &seconds, NULL))
    return (gint64) seconds;

  {
    g_autoptr(GDateTime) when = soup_date_time_new_from_http_string (value);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    if (when != NULL)
      return MAX (0, g_date_time_difference (when, now) / G_USEC_PER_SEC);
  }

  return -1;
}

static char *
default_message (Exchange         *ex,
                 SwarmClientError  code,
                 guint             status)
{
  switch (code)
    {
    case SWARM_CLIENT_ERROR_INVALID_REQUEST:
      return g_strdup (_("The backend did not accept the request."));
    case SWARM_CLIENT_ERROR_TEMPLATE_UNAVAILABLE:
      return g_strdup (_("The backend cannot run this template."));
    case SWARM_CLIENT_ERROR_UNAUTHORIZED:
      return g_strdup_printf (_("The backend at %s refused the access token."), ex->base_url);
    case SWARM_CLIENT_ERROR_NO_ROUTE:
      return g_strdup_printf (_("The backend at %s does not offer this feature."), ex->base_url);
    case SWARM_CLIENT_ERROR_NOT_FOUND:
      return g_strdup (_("The agent no longer exists."));
    case SWARM_CLIENT_ERROR_NAME_TAKEN:
      return g_strdup (_("An agent with this name already exists."));
    case SWARM_CLIENT_ERROR_ALREADY_ENDED:
      return g_strdup (_("The agent has already ended."));
    case SWARM_CLIENT_ERROR_PAYLOAD_TOO_LARGE:
      return g_strdup (_("The request is too large for the backend."));
    case SWARM_CLIENT_ERROR_RATE_LIMITED:
      {
        gint64 wait = parse_retry_after (ex->msg);

        if (wait >= 0)
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "The backend is busy. Try again in %d second.",
                                               "The backend is busy. Try again in %d seconds.",
                                               (gulong) wait),
                                  (int) wait);
        return g_strdup (_("The backend is busy. Try again later."));
      }
    case SWARM_CLIENT_ERROR_LLM_NOT_CONFIGURED:
      return g_strdup (_("The backend has no language model configured."));
    case SWARM_CLIENT_ERROR_SANDBOX_FAILED:
      return g_strdup (_("The backend could not create the sandbox."));
    case SWARM_CLIENT_ERROR_SERVER:
      return g_strdup_printf (_("The backend had an internal error (HTTP %u)."), status);
    case SWARM_CLIENT_ERROR_HTTP:
    case SWARM_CLIENT_ERROR_UNREACHABLE:
    case SWARM_CLIENT_ERROR_TIMED_OUT:
    case SWARM_CLIENT_ERROR_BAD_RESPONSE:
    case SWARM_CLIENT_ERROR_RESPONSE_TOO_LARGE:
    default:
      return g_strdup_printf (_("The backend answered with an unexpected status (HTTP %u)."), status);
    }
}

static GError *
http_error (Exchange *ex,
            guint     status,
            GBytes   *body)
{
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  g_autofree char *field = NULL;
  SwarmClientError error_code = error_from_status (ex->kind, status);
  g_autofree char *shown = NULL;

  if (swarm_json_parse_error_body (body, &code, &message, &field))
    {
      for (guint i = 0; code != NULL && i < G_N_ELEMENTS (error_codes); i++)
        {
          if (strcmp (code, error_codes[i].code) == 0)
            {
              error_code = error_codes[i].error;
              break;
            }
        }

      if (field != NULL && *field != '\0')
        swarm_set_str (&ex->error_field, field);
    }

  if (message != NULL)
    shown = swarm_sanitize_message (message, SERVER_MESSAGE_MAX);

  if (shown == NULL || *shown == '\0')
    {
      g_free (shown);
      shown = default_message (ex, error_code, status);
    }

  g_debug ("HTTP %u from %s: %s", status, ex->base_url, code != NULL ? code : "(no code)");

  return g_error_new_literal (SWARM_CLIENT_ERROR, error_code, shown);
}

/* Exchange ----------------------------------------------------------- */

/* A parsed list leaves megabytes of freed JSON nodes: give them back. */
static void
trim_heap (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}

static void
parse_list_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Exchange *ex = task_data;
  g_autoptr(GBytes) body = g_bytes_new_static (ex->body->data, ex->body->len);
  GError *error = NULL;
  GPtrArray *agents = swarm_json_parse_agent_list (body, &error);

  trim_heap ();
  if (agents == NULL)
    g_task_return_error (task, bad_response_error (error));
  else
    g_task_return_pointer (task, agents, (GDestroyNotify) g_ptr_array_unref);
}

static void
finish_exchange (GTask    *task,
                 gboolean  in_thread)
{
  Exchange *ex = g_task_get_task_data (task);
  guint status = soup_message_get_status (ex->msg);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;

  /* g_source_destroy() is thread-safe; the pointer is freed with the task. */
  if (ex->deadline != NULL)
    g_source_destroy (ex->deadline);

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      body = g_bytes_new (ex->body->data, ex->body->len);
      g_task_return_error (task, http_error (ex, status, body));
      return;
    }

  if (ex->kind == REQUEST_LIST && ex->body->len >= THREAD_PARSE_MIN && !in_thread)
    {
      g_task_run_in_thread (task, parse_list_thread);
      return;
    }

  body = g_bytes_new_static (ex->body->data, ex->body->len);

  switch (ex->kind)
    {
    case REQUEST_LIST:
      {
        GPtrArray *agents = swarm_json_parse_agent_list (body, &error);

        if (in_thread)
          trim_heap ();
        if (agents == NULL)
          g_task_return_error (task, bad_response_error (error));
        else
          g_task_return_pointer (task, agents, (GDestroyNotify) g_ptr_array_unref);
      }
      break;

    case REQUEST_GET:
      {
        SwarmAgent *agent = swarm_json_parse_agent (body, &error);

        if (agent == NULL)
          g_task_return_error (task, bad_response_error (error));
        else
          g_task_return_pointer (task, agent, g_object_unref);
      }
      break;

    case REQUEST_TERMINATE:
      {
        /* The contract returns the Agent; servers that follow only the
         * seed may return anything, which still means it worked. */
        SwarmAgent *agent = NULL;

        if (ex->body->len > 0)
          agent = swarm_json_parse_agent (body, NULL);
        g_task_return_pointer (task, agent, agent != NULL ? g_object_unref : NULL);
      }
      break;

    case REQUEST_DESTROY:
      g_task_return_boolean (task, TRUE);
      break;

    case REQUEST_DEPLOY:
      {
        SwarmDeployResult *result = swarm_json_parse_deploy_result (body, &error);

        if (result == NULL)
          g_task_return_error (task, bad_response_error (error));
        else
          g_task_return_pointer (task, result, (GDestroyNotify) swarm_deploy_result_free);
      }
      break;

    case REQUEST_LOGS:
      {
        SwarmLogPage *page = swarm_json_parse_log_page (body, &error);

        if (page == NULL)
          g_task_return_error (task, bad_response_error (error));
        else
          g_task_return_pointer (task, page, (GDestroyNotify) swarm_log_page_free);
      }
      break;

    case REQUEST_HEALTH:
      {
        SwarmHealth *health = swarm_json_parse_health (body, &error);

        if (health == NULL)
          g_task_return_error (task, bad_response_error (error));
        else
          g_task_return_pointer (task, health, (GDestroyNotify) swarm_health_free);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static GError *
too_large_error (Exchange *ex)
{
  return g_error_new (SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_RESPONSE_TOO_LARGE,
                      _("The reply from %s is larger than %lu MiB; Swarmyard stopped reading it."),
                      ex->base_url, (unsigned long) (ex->max_body / (1024 * 1024)));
}

/* After the headers: refuses a declared body past the limit, else makes
 * room for it in one allocation.  Returns an error, or %NULL. */
static GError *
check_headers (Exchange *ex)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (ex->msg);
  goffset length;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
    return NULL;

  length = soup_message_headers_get_content_length (headers);
  if ((guint64) length > ex->max_body)
    {
      /* Stop here: cancelling closes the connection instead of draining it. */
      g_cancellable_cancel (ex->cancellable);
      return too_large_error (ex);
    }

  g_byte_array_set_size (ex->body, (guint) length);
  g_byte_array_set_size (ex->body, 0);
  return NULL;
}

/* Where the next read goes: the end of the body, grown as needed, and how
 * much to read (one byte past the limit at most, to notice it). */
static guint8 *
read_room (Exchange *ex,
           gsize    *room)
{
  guint length = ex->body->len;

  *room = MIN ((gsize) READ_CHUNK, ex->max_body - length + 1);
  g_byte_array_set_size (ex->body, length + *room);
  ex->body->len = length;

  return ex->body->data + length;
}

/* Counts @n bytes read; returns an error past the limit, or %NULL. */
static GError *
took_bytes (Exchange *ex,
            gsize     n)
{
  ex->body->len += (guint) n;
  if (ex->body->len <= ex->max_body)
    return NULL;

  g_cancellable_cancel (ex->cancellable);
  return too_large_error (ex);
}

static void read_more (GTask *task);

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n < 0)
    {
      g_task_return_error (task, transport_error (ex, error));
      return;
    }

  if (n == 0)
    {
      finish_exchange (task, FALSE);
      return;
    }

  if ((error = took_bytes (ex, n)) != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  read_more (g_steal_pointer (&task));
}

/* Reads straight into the body's buffer, which grows as needed. */
static void
read_more (GTask *task)
{
  Exchange *ex = g_task_get_task_data (task);
  gsize room;
  guint8 *buffer = read_room (ex, &room);

  g_input_stream_read_async (ex->stream, buffer, room, G_PRIORITY_DEFAULT, ex->cancellable,
                             read_cb, task);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  GError *error = NULL;

  ex->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (ex->stream == NULL)
    {
      g_task_return_error (task, transport_error (ex, error));
      return;
    }

  if ((error = check_headers (ex)) != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  read_more (g_steal_pointer (&task));
}

/* The list, which can be megabytes, is fetched and parsed in a worker
 * thread with libsoup's blocking API (allowed since 3.2): the main thread
 * only starts it and takes the agents.  The deadline still runs on the
 * main loop and cancels the blocking calls. */
static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *task_cancellable)
{
  Exchange *ex = task_data;
  GError *error = NULL;

  ex->stream = soup_session_send (ex->session, ex->msg, ex->cancellable, &error);
  if (ex->stream == NULL)
    {
      g_task_return_error (task, transport_error (ex, error));
      return;
    }

  if ((error = check_headers (ex)) != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (;;)
    {
      gsize room;
      guint8 *buffer = read_room (ex, &room);
      gssize n = g_input_stream_read (ex->stream, buffer, room, ex->cancellable, &error);

      if (n < 0)
        {
          g_task_return_error (task, transport_error (ex, error));
          return;
        }
      if (n == 0)
        break;

      if ((error = took_bytes (ex, n)) != NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }

  finish_exchange (task, TRUE);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Exchange *ex = user_data;

  g_debug ("Deadline of %u ms passed for %s", ex->timeout_ms, ex->base_url);
  g_atomic_int_set (&ex->timed_out, TRUE);
  g_cancellable_cancel (ex->cancellable);

  /* The exchange keeps its reference until it is freed: a worker may be
   * about to destroy the source too. */
  return G_SOURCE_REMOVE;
}

static void
user_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GCancellable *own = user_data;

  g_cancellable_cancel (own);
}

/**
 * swarm_certificate_fingerprint:
 *
 * Returns: (transfer full): the SHA-256 of the certificate's DER form, as
 *   upper-case hex pairs joined by colons (as `openssl x509 -fingerprint`
 *   writes it)
 */
char *
swarm_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;

  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  out = g_string_new (NULL);
  for (gsize i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }

  return g_string_free (out, FALSE);
}

/* Called (in whatever thread runs the exchange) for a certificate the
 * system does not trust: only the one the user pinned for this client
 * passes. */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Exchange *ex = user_data;
  g_autofree char *fingerprint = swarm_certificate_fingerprint (certificate);
  gboolean accepted;

  if (fingerprint == NULL)
    return FALSE;

  g_mutex_lock (&ex->client->tls_lock);
  accepted = ex->client->pinned != NULL && g_ascii_strcasecmp (ex->client->pinned, fingerprint) == 0;
  if (!accepted)
    swarm_set_str (&ex->client->untrusted, fingerprint);
  g_mutex_unlock (&ex->client->tls_lock);

  if (!accepted)
    ex->refused_cert = g_steal_pointer (&fingerprint);

  return accepted;
}

static void
start_exchange (SwarmClient         *self,
                RequestKind          kind,
                const char          *method,
                const char          *path,
                GBytes              *request_body,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  Exchange *ex;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  ex = g_new0 (Exchange, 1);
  ex->kind = kind;
  ex->session = g_object_ref (self->session);
  ex->base_url = g_strdup (self->base_url);
  ex->timeout_ms = self->timeout_ms;
  ex->max_body = self->max_body;
  ex->body = g_byte_array_new ();
  ex->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, ex, (GDestroyNotify) exchange_free);

  url = g_strconcat (self->base_url, path, NULL);
  ex->msg = soup_message_new (method, url);
  if (ex->msg == NULL)
    {
      g_task_return_new_error (task, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE,
                               _("“%s” is not a valid backend address."), self->base_url);
      return;
    }

  ex->client = g_object_ref (self);
  g_signal_connect (ex->msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), ex);

  soup_message_headers_replace (soup_message_get_request_headers (ex->msg),
                                "Accept", "application/json");
  if (self->token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (ex->msg),
                                    "Authorization", auth);
      swarm_str_wipe (auth);
    }

  if (request_body != NULL)
    soup_message_set_request_body_from_bytes (ex->msg, "application/json", request_body);

  if (cancellable != NULL)
    {
      ex->user_cancellable = g_object_ref (cancellable);
      ex->user_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (user_cancelled_cb),
                                                  ex->cancellable, NULL);
    }

  ex->deadline = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (ex->deadline, deadline_cb, ex, NULL);
  g_source_set_name (ex->deadline, "[swarm-client] deadline");
  g_source_attach (ex->deadline, g_main_context_get_thread_default ());

  g_debug ("%s %s", method, url);

  if (kind == REQUEST_LIST)
    {
      g_task_run_in_thread (task, list_thread);
      return;
    }

  soup_session_send_async (self->session, ex->msg, G_PRIORITY_DEFAULT, ex->cancellable,
                           send_cb, g_steal_pointer (&task));
}

static char *
agent_path (const char *agent_id,
            const char *suffix)
{
  g_autofree char *escaped = g_uri_escape_string (agent_id, NULL, FALSE);

  return g_strconcat ("/api/agents/", escaped, suffix, NULL);
}

/* Public API ---------------------------------------------------------- */

/**
 * swarm_client_list_agents_async:
 *
 * `GET /api/agents`.
 */
void
swarm_client_list_agents_async (SwarmClient         *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (SWARM_IS_CLIENT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  start_exchange (self, REQUEST_LIST, SOUP_METHOD_GET, "/api/agents", NULL,
                  cancellable, callback, user_data, swarm_client_list_agents_async);
}

/**
 * swarm_client_list_agents_finish:
 *
 * Returns: (transfer container) (element-type SwarmAgent): the agents
 */
GPtrArray *
swarm_client_list_agents_finish (SwarmClient   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == swarm_client_list_agents_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * swarm_client_get_agent_async:
 *
 * `GET /api/agents/{id}`: the full form, with the whole `result`.
 */
void
swarm_client_get_agent_async (SwarmClient         *self,
                              const char          *agent_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (SWARM_IS_CLIENT (self));
  g_return_if_fail (agent_id != NULL);

  path = agent_path (agent_id, NULL);
  start_exchange (self, REQUEST_GET, SOUP_METHOD_GET, path, NULL,
                  cancellable, callback, user_data, swarm_client_get_agent_async);
}

SwarmAgent *
swarm_client_get_agent_finish (SwarmClient   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == swarm_client_get_agent_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * swarm_client_deploy_async:
 *
 * `POST /api/agents/deploy` with the seed's body.  The environment
 * values travel in the body only, and the copy is wiped once sent.
 */
void
swarm_client_deploy_async (SwarmClient         *self,
                           SwarmDeployRequest  *request,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GBytes) body = NULL;
  char *data;
  gsize length = 0;

  g_return_if_fail (SWARM_IS_CLIENT (self));
  g_return_if_fail (request != NULL);

  data = swarm_deploy_request_to_data (request, &length);
  body = g_bytes_new_with_free_func (data, length, swarm_secret_free, data);

  start_exchange (self, REQUEST_DEPLOY, SOUP_METHOD_POST, "/api/agents/deploy", body,
                  cancellable, callback, user_data, swarm_client_deploy_async);
}

/**
 * swarm_client_deploy_finish:
 * @error_field: (out) (optional) (nullable): the field the backend
 *   rejected (`error.field` of an `invalid_field` error), if any
 *
 * Returns: (transfer full): the new agent's id, sandbox id and status
 */
SwarmDeployResult *
swarm_client_deploy_finish (SwarmClient   *self,
                            GAsyncResult  *result,
                            char         **error_field,
                            GError       **error)
{
  Exchange *ex;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == swarm_client_deploy_async, NULL);

  ex = g_task_get_task_data (G_TASK (result));
  if (error_field != NULL)
    *error_field = g_strdup (ex->error_field);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * swarm_client_terminate_async:
 *
 * `DELETE /api/agents/{id}?terminate_only=true`: stops the agent and
 * keeps its record and sandbox.
 */
void
swarm_client_terminate_async (SwarmClient         *self,
                              const char          *agent_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (SWARM_IS_CLIENT (self));
  g_return_if_fail (agent_id != NULL);

  path = agent_path (agent_id, "?terminate_only=true");
  start_exchange (self, REQUEST_TERMINATE, SOUP_METHOD_DELETE, path, NULL,
                  cancellable, callback, user_data, swarm_client_terminate_async);
}

/**
 * swarm_client_terminate_finish:
 * @agent: (out) (optional) (nullable) (transfer full): the agent after
 *   terminate, when the backend returned it
 */
gboolean
swarm_client_terminate_finish (SwarmClient   *self,
                               GAsyncResult  *result,
                               SwarmAgent   **agent,
                               GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SwarmAgent) returned = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == swarm_client_terminate_async, FALSE);

  returned = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (agent != NULL)
    *agent = g_steal_pointer (&returned);

  return TRUE;
}

/**
 * swarm_client_destroy_async:
 *
 * `DELETE /api/agents/{id}`: deletes the sandbox and the record.
 */
void
swarm_client_destroy_async (SwarmClient         *self,
                            const char          *agent_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (SWARM_IS_CLIENT (self));
  g_return_if_fail (agent_id != NULL);

  path = agent_path (agent_id, NULL);
  start_exchange (self, REQUEST_DESTROY, SOUP_METHOD_DELETE, path, NULL,
                  cancellable, callback, user_data, swarm_client_destroy_async);
}

gboolean
swarm_client_destroy_finish (SwarmClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == swarm_client_destroy_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * swarm_client_get_logs_async:
 * @after: return entries after this sequence number (exclusive), or -1
 * @limit: the most entries to return, or 0 for the server's default
 * @tail: if not 0, return the last @tail entries instead
 *
 * `GET /api/agents/{id}/logs?after=SEQ&limit=N` or `?tail=N`.  A backend
 * without the endpoint fails with %SWARM_CLIENT_ERROR_NO_ROUTE.
 */
void
swarm_client_get_logs_async (SwarmClient         *self,
                             const char          *agent_id,
                             gint64               after,
                             guint                limit,
                             guint                tail,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GString) query = g_string_new ("/logs");
  g_autofree char *path = NULL;
  char sep = '?';

  g_return_if_fail (SWARM_IS_CLIENT (self));
  g_return_if_fail (agent_id != NULL);

  if (tail > 0)
    {
      g_string_append_printf (query, "?tail=%u", tail);
    }
  else
    {
      if (after >= 0)
        {
          g_string_append_printf (query, "%cafter=%" G_GINT64_FORMAT, sep, after);
          sep = '&';
        }
      if (limit > 0)
        g_string_append_printf (query, "%climit=%u", sep, limit);
    }

  path = agent_path (agent_id, query->str);
  start_exchange (self, REQUEST_LOGS, SOUP_METHOD_GET, path, NULL,
                  cancellable, callback, user_data, swarm_client_get_logs_async);
}

SwarmLogPage *
swarm_client_get_logs_finish (SwarmClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == swarm_client_get_logs_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * swarm_client_health_async:
 *
 * `GET /api/health`.
 */
void
swarm_client_health_async (SwarmClient         *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (SWARM_IS_CLIENT (self));

  start_exchange (self, REQUEST_HEALTH, SOUP_METHOD_GET, "/api/health", NULL,
                  cancellable, callback, user_data, swarm_client_health_async);
}

SwarmHealth *
swarm_client_health_finish (SwarmClient   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == swarm_client_health_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
