/* swarm-json-reader.h — a fast, strict, read-only JSON document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SWARM_JV_NULL,
  SWARM_JV_BOOLEAN,
  SWARM_JV_INT,       /* a number written without fraction or exponent that fits in 64 bits */
  SWARM_JV_DOUBLE,    /* any other number */
  SWARM_JV_STRING,
  SWARM_JV_ARRAY,
  SWARM_JV_OBJECT,
} SwarmJvType;

typedef struct _SwarmJv       SwarmJv;
typedef struct _SwarmJvMember SwarmJvMember;

/* One value.  Everything it points to belongs to its SwarmJsonDoc. */
struct _SwarmJv
{
  SwarmJvType type;
  guint       n;                         /* elements of an array, members of an object */
  union {
    gboolean             boolean;
    gint64               integer;
    double               number;
    const char          *string;         /* UTF-8, NUL-terminated, no NUL inside */
    const SwarmJv       *elements;
    const SwarmJvMember *members;        /* in the order written */
  } v;
};

struct _SwarmJvMember
{
  const char *name;
  guint       name_hash;   /* g_str_hash (name): lookups compare it first */
  SwarmJv     value;
};

typedef struct _SwarmJsonDoc SwarmJsonDoc;

SwarmJsonDoc  *swarm_json_doc_parse   (const char     *data,
                                       gsize           length,
                                       guint           max_depth,
                                       GError        **error);
const SwarmJv *swarm_json_doc_root    (SwarmJsonDoc   *doc);
void           swarm_json_doc_free    (SwarmJsonDoc   *doc);

const SwarmJv *swarm_jv_get_member    (const SwarmJv  *object,
                                       const char     *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmJsonDoc, swarm_json_doc_free)

G_END_DECLS
