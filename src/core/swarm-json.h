/* swarm-json.h — strict reading and writing of the REST contract's JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "swarm-agent.h"
#include "swarm-records.h"

G_BEGIN_DECLS

#define SWARM_JSON_MAX_DEPTH 64

#define SWARM_JSON_ERROR (swarm_json_error_quark ())

typedef enum
{
  SWARM_JSON_ERROR_SYNTAX,
  SWARM_JSON_ERROR_NOT_UTF8,
  SWARM_JSON_ERROR_TOO_DEEP,
  SWARM_JSON_ERROR_WRONG_TYPE,
  SWARM_JSON_ERROR_MISSING_MEMBER,
  SWARM_JSON_ERROR_OUT_OF_RANGE,
  SWARM_JSON_ERROR_INVALID_VALUE,
} SwarmJsonError;

GQuark      swarm_json_error_quark          (void);

gboolean    swarm_json_check_depth          (const char  *data,
                                             gsize        length,
                                             guint        max_depth,
                                             GError     **error);
JsonNode   *swarm_json_parse_bytes          (GBytes      *bytes,
                                             GError     **error);

GPtrArray  *swarm_json_parse_agent_list     (GBytes      *bytes,
                                             GError     **error);
SwarmAgent *swarm_json_parse_agent          (GBytes      *bytes,
                                             GError     **error);
SwarmDeployResult *swarm_json_parse_deploy_result (GBytes *bytes,
                                                   GError **error);
SwarmLogPage *swarm_json_parse_log_page     (GBytes      *bytes,
                                             GError     **error);
SwarmHealth *swarm_json_parse_health        (GBytes      *bytes,
                                             GError     **error);
JsonNode   *swarm_json_error_body           (const char  *code,
                                             const char  *message,
                                             const char  *field);
gboolean    swarm_json_parse_error_body     (GBytes      *bytes,
                                             char       **code,
                                             char       **message,
                                             char       **field);

JsonNode   *swarm_json_agent_to_node        (SwarmAgent  *agent,
                                             gboolean     list_form);
char       *swarm_json_agent_list_to_data   (GPtrArray   *agents,
                                             gsize       *length);
char       *swarm_json_node_to_data         (JsonNode    *node,
                                             gsize       *length);
char       *swarm_json_format_time          (GDateTime   *time);

/* Accessors shared with the deploy-request reader. */
gboolean    swarm_json_get_string           (JsonObject  *object,
                                             const char  *member,
                                             gboolean     required,
                                             char       **out,
                                             GError     **error);
gboolean    swarm_json_get_int              (JsonObject  *object,
                                             const char  *member,
                                             gboolean     required,
                                             gint64       min,
                                             gint64       max,
                                             gint64      *out,
                                             GError     **error);
gboolean    swarm_json_get_double           (JsonObject  *object,
                                             const char  *member,
                                             gboolean     required,
                                             double       min,
                                             double       max,
                                             double      *out,
                                             GError     **error);
gboolean    swarm_json_get_strv             (JsonObject  *object,
                                             const char  *member,
                                             char      ***out,
                                             GError     **error);

#define SWARM_LIST_RESULT_MAX 1024

G_END_DECLS
