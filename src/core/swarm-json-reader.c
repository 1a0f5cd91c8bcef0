/* swarm-json-reader.c — a fast, strict, read-only JSON document
 *
 * json-glib builds a tree of reference-counted nodes and a hash table per
 * object: a 7 MB list of 10,000 agents took half a second and tens of
 * megabytes.  This reader parses RFC 8259 JSON in one pass into a few
 * large blocks: values and members are laid out in arrays, strings are
 * unescaped next to them, and the whole document is freed at once.  It
 * checks the nesting depth as it goes, so it never recurses deeper than
 * the limit, and it rejects what RFC 8259 does not allow (comments,
 * trailing commas, leading zeros, raw control characters in strings,
 * unpaired surrogates) as well as "\u0000", which no C string can hold.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-json"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "swarm-json.h"
#include "swarm-json-reader.h"

#define BLOCK_MIN_SIZE (64 * 1024)

typedef struct _Block Block;
struct _Block
{
  Block *next;
  gsize  used;
  gsize  size;
  gint64 align;    /* the data starts here, aligned for any value */
};

struct _SwarmJsonDoc
{
  Block   *blocks;
  gsize    next_block_size;
  SwarmJv  root;
};

typedef struct
{
  SwarmJsonDoc *doc;
  const char   *start;
  const char   *p;
  const char   *end;
  guint         depth;
  guint         max_depth;
  GArray       *values;    /* (element-type SwarmJv): elements of the open arrays */
  GArray       *members;   /* (element-type SwarmJvMember): members of the open objects */
  GError      **error;
} Parser;

/* Memory ------------------------------------------------------------------- */

static gpointer
doc_alloc (SwarmJsonDoc *doc,
           gsize         size)
{
  Block *block = doc->blocks;

  size = (size + 7) & ~(gsize) 7;

  if (block == NULL || block->size - block->used < size)
    {
      gsize block_size = MAX (doc->next_block_size, size);

      block = g_malloc (G_STRUCT_OFFSET (Block, align) + block_size);
      block->next = doc->blocks;
      block->used = 0;
      block->size = block_size;
      doc->blocks = block;
      doc->next_block_size = MIN (block_size * 2, 64 * 1024 * 1024);
    }

  block->used += size;
  return (char *) &block->align + block->used - size;
}

void
swarm_json_doc_free (SwarmJsonDoc *doc)
{
  Block *block;

  if (doc == NULL)
    return;

  while ((block = doc->blocks) != NULL)
    {
      doc->blocks = block->next;
      g_free (block);
    }
  g_free (doc);
}

/* Errors ------------------------------------------------------------------- */

static gboolean
fail (Parser     *parser,
      const char *what);

/* Names the place @at, not where the value began. */
static gboolean
fail_at (Parser     *parser,
         const char *at,
         const char *what)
{
  parser->p = at;
  return fail (parser, what);
}

static gboolean
fail (Parser     *parser,
      const char *what)
{
  guint line = 1;
  const char *line_start = parser->start;

  for (const char *c = parser->start; c < parser->p; c++)
    if (*c == '\n')
      {
        line++;
        line_start = c + 1;
      }

  g_set_error (parser->error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_SYNTAX,
               _("The data is not valid JSON (line %u, column %u: %s)."),
               line, (guint) g_utf8_strlen (line_start, parser->p - line_start) + 1, what);
  return FALSE;
}

/* Scanning ----------------------------------------------------------------- */

static inline void
skip_space (Parser *parser)
{
  while (parser->p < parser->end &&
         (*parser->p == ' ' || *parser->p == '\n' || *parser->p == '\r' || *parser->p == '\t'))
    parser->p++;
}

static gboolean parse_value (Parser *parser, SwarmJv *out);

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (Parser   *parser,
           gunichar *out)
{
  gunichar value = 0;

  if (parser->end - parser->p < 4)
    return fail (parser, _("a \\u escape needs four hex digits"));

  for (int i = 0; i < 4; i++)
    {
      int digit = hex_digit (parser->p[i]);

      if (digit < 0)
        return fail (parser, _("a \\u escape needs four hex digits"));
      value = value * 16 + digit;
    }

  parser->p += 4;
  *out = value;
  return TRUE;
}

/* At the opening quote.  The text is UTF-8 already (checked before). */
static gboolean
parse_string (Parser      *parser,
              const char **out)
{
  const char *begin = ++parser->p;
  const char *c = begin;
  char *text;
  char *w;

  /* Most strings have no escape: find the end, then copy once. */
  while (c < parser->end && *c != '"' && *c != '\\' && (guchar) *c >= 0x20)
    c++;

  if (c < parser->end && *c == '"')
    {
      text = doc_alloc (parser->doc, c - begin + 1);
      memcpy (text, begin, c - begin);
      text[c - begin] = '\0';
      parser->p = c + 1;
      *out = text;
      return TRUE;
    }

  /* Escapes only shorten the text, so its length in the input is enough. */
  while (c < parser->end && *c != '"')
    {
      if (*c == '\\' && parser->end - c < 2)
        {
          c = parser->end;
          break;
        }
      c += *c == '\\' ? 2 : 1;
    }
  if (c >= parser->end)
    return fail_at (parser, parser->end, _("a string does not end"));

  text = w = doc_alloc (parser->doc, c - begin + 1);
  parser->p = begin;

  while (*parser->p != '"')
    {
      guchar ch = *parser->p;

      if (ch < 0x20)
        return fail (parser, _("a control character in a string must be escaped"));

      if (ch != '\\')
        {
          *w++ = *parser->p++;
          continue;
        }

      parser->p++;
      switch (*parser->p++)
        {
        case '"':  *w++ = '"';  break;
        case '\\': *w++ = '\\'; break;
        case '/':  *w++ = '/';  break;
        case 'b':  *w++ = '\b'; break;
        case 'f':  *w++ = '\f'; break;
        case 'n':  *w++ = '\n'; break;
        case 'r':  *w++ = '\r'; break;
        case 't':  *w++ = '\t'; break;
        case 'u':
          {
            gunichar unit;

            if (!read_hex4 (parser, &unit))
              return FALSE;

            if (unit >= 0xD800 && unit <= 0xDBFF)
              {
                gunichar low;

                if (parser->end - parser->p < 2 || parser->p[0] != '\\' || parser->p[1] != 'u')
                  return fail (parser, _("a surrogate pair is incomplete"));
                parser->p += 2;
                if (!read_hex4 (parser, &low))
                  return FALSE;
                if (low < 0xDC00 || low > 0xDFFF)
                  return fail (parser, _("a surrogate pair is incomplete"));
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
              }
            else if (unit >= 0xDC00 && unit <= 0xDFFF)
              {
                return fail (parser, _("a surrogate pair is incomplete"));
              }
            else if (unit == 0)
              {
                return fail (parser, _("a string holds a NUL character"));
              }

            w += g_unichar_to_utf8 (unit, w);
          }
          break;
        default:
          parser->p--;
          return fail (parser, _("unknown escape in a string"));
        }
    }

  *w = '\0';
  parser->p++;
  *out = text;
  return TRUE;
}

static gboolean
parse_number (Parser  *parser,
              SwarmJv *out)
{
  const char *begin = parser->p;
  const char *c = begin;
  gboolean integral = TRUE;
  char buffer[64];
  g_autofree char *long_copy = NULL;
  const char *text;
  gsize length;

  if (c < parser->end && *c == '-')
    c++;

  if (c < parser->end && *c == '0')
    c++;
  else if (c < parser->end && *c >= '1' && *c <= '9')
    while (c < parser->end && g_ascii_isdigit (*c))
      c++;
  else
    return fail_at (parser, c, _("a number has no digits"));

  if (c < parser->end && *c == '.')
    {
      integral = FALSE;
      c++;
      if (c >= parser->end || !g_ascii_isdigit (*c))
        return fail_at (parser, c, _("a number has no digits after the point"));
      while (c < parser->end && g_ascii_isdigit (*c))
        c++;
    }

  if (c < parser->end && (*c == 'e' || *c == 'E'))
    {
      integral = FALSE;
      c++;
      if (c < parser->end && (*c == '+' || *c == '-'))
        c++;
      if (c >= parser->end || !g_ascii_isdigit (*c))
        return fail_at (parser, c, _("a number has no digits in its exponent"));
      while (c < parser->end && g_ascii_isdigit (*c))
        c++;
    }

  parser->p = c;
  length = c - begin;

  if (integral)
    {
      const char *d = begin + (*begin == '-');
      guint64 magnitude = 0;
      gboolean overflow = FALSE;

      for (; d < c; d++)
        {
          guint digit = *d - '0';

          if (magnitude > (G_MAXUINT64 - digit) / 10)
            {
              overflow = TRUE;
              break;
            }
          magnitude = magnitude * 10 + digit;
        }

      if (!overflow && *begin == '-' && magnitude <= (guint64) G_MAXINT64 + 1)
        {
          out->type = SWARM_JV_INT;
          out->v.integer = magnitude == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) magnitude;
          return TRUE;
        }
      if (!overflow && *begin != '-' && magnitude <= G_MAXINT64)
        {
          out->type = SWARM_JV_INT;
          out->v.integer = (gint64) magnitude;
          return TRUE;
        }
      /* Too large for 64 bits: a double, which range checks will catch. */
    }

  /* g_ascii_strtod() wants a NUL after the number. */
  if (length < sizeof buffer)
    {
      memcpy (buffer, begin, length);
      buffer[length] = '\0';
      text = buffer;
    }
  else
    {
      text = long_copy = g_strndup (begin, length);
    }

  out->type = SWARM_JV_DOUBLE;
  out->v.number = g_ascii_strtod (text, NULL);
  return TRUE;
}

static gboolean
parse_literal (Parser     *parser,
               const char *word,
               SwarmJv    *out)
{
  gsize length = strlen (word);

  if ((gsize) (parser->end - parser->p) < length || memcmp (parser->p, word, length) != 0)
    return fail (parser, _("unexpected character"));

  parser->p += length;
  return TRUE;
}

static gboolean
enter (Parser *parser)
{
  if (++parser->depth > parser->max_depth)
    {
      g_set_error (parser->error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_TOO_DEEP,
                   _("The data is nested more than %u levels deep."), parser->max_depth);
      return FALSE;
    }
  parser->p++;
  skip_space (parser);
  return TRUE;
}

/* After a member or an element: a comma and more, or @close.  Sets *done. */
static gboolean
next_item (Parser   *parser,
           char      close,
           gboolean *done)
{
  skip_space (parser);
  if (parser->p < parser->end && *parser->p == ',')
    {
      parser->p++;
      skip_space (parser);
      *done = FALSE;
      return TRUE;
    }
  if (parser->p < parser->end && *parser->p == close)
    {
      parser->p++;
      parser->depth--;
      *done = TRUE;
      return TRUE;
    }

  return fail (parser, close == '}' ? _("expected “,” or “}”") : _("expected “,” or “]”"));
}

static gboolean
parse_array (Parser  *parser,
             SwarmJv *out)
{
  guint first = parser->values->len;
  gboolean done = FALSE;
  SwarmJv *elements;
  guint n;

  if (!enter (parser))
    return FALSE;

  if (parser->p < parser->end && *parser->p == ']')
    {
      parser->p++;
      parser->depth--;
      done = TRUE;
    }

  while (!done)
    {
      SwarmJv element;

      if (!parse_value (parser, &element))
        return FALSE;
      g_array_append_val (parser->values, element);
      if (!next_item (parser, ']', &done))
        return FALSE;
    }

  n = parser->values->len - first;
  elements = n > 0 ? doc_alloc (parser->doc, n * sizeof (SwarmJv)) : NULL;
  if (n > 0)
    memcpy (elements, &g_array_index (parser->values, SwarmJv, first), n * sizeof (SwarmJv));
  g_array_set_size (parser->values, first);

  out->type = SWARM_JV_ARRAY;
  out->n = n;
  out->v.elements = elements;
  return TRUE;
}

static gboolean
parse_object (Parser  *parser,
              SwarmJv *out)
{
  guint first = parser->members->len;
  gboolean done = FALSE;
  SwarmJvMember *members;
  guint n;

  if (!enter (parser))
    return FALSE;

  if (parser->p < parser->end && *parser->p == '}')
    {
      parser->p++;
      parser->depth--;
      done = TRUE;
    }

  while (!done)
    {
      SwarmJvMember member;

      if (parser->p >= parser->end || *parser->p != '"')
        return fail (parser, _("expected a member name"));
      if (!parse_string (parser, &member.name))
        return FALSE;
      member.name_hash = g_str_hash (member.name);

      skip_space (parser);
      if (parser->p >= parser->end || *parser->p != ':')
        return fail (parser, _("expected “:”"));
      parser->p++;

      if (!parse_value (parser, &member.value))
        return FALSE;
      g_array_append_val (parser->members, member);
      if (!next_item (parser, '}', &done))
        return FALSE;
    }

  n = parser->members->len - first;
  members = n > 0 ? doc_alloc (parser->doc, n * sizeof (SwarmJvMember)) : NULL;
  if (n > 0)
    memcpy (members, &g_array_index (parser->members, SwarmJvMember, first),
            n * sizeof (SwarmJvMember));
  g_array_set_size (parser->members, first);

  out->type = SWARM_JV_OBJECT;
  out->n = n;
  out->v.members = members;
  return TRUE;
}

static gboolean
parse_value (Parser  *parser,
             SwarmJv *out)
{
  skip_space (parser);
  out->n = 0;

  if (parser->p >= parser->end)
    return fail (parser, _("the data ends too early"));

  switch (*parser->p)
    {
    case '{':
      return parse_object (parser, out);
    case '[':
      return parse_array (parser, out);
    case '"':
      out->type = SWARM_JV_STRING;
      return parse_string (parser, &out->v.string);
    case 't':
      out->type = SWARM_JV_BOOLEAN;
      out->v.boolean = TRUE;
      return parse_literal (parser, "true", out);
    case 'f':
      out->type = SWARM_JV_BOOLEAN;
      out->v.boolean = FALSE;
      return parse_literal (parser, "false", out);
    case 'n':
      out->type = SWARM_JV_NULL;
      return parse_literal (parser, "null", out);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return parse_number (parser, out);
    default:
      return fail (parser, _("unexpected character"));
    }
}

/* API ------------------------------------------------------------------------ */

/**
 * swarm_json_doc_parse:
 * @data: JSON text, already checked to be UTF-8
 * @length: its length in bytes; it need not end with NUL
 * @max_depth: the deepest nesting of arrays and objects allowed
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 *   (%SWARM_JSON_ERROR_SYNTAX or %SWARM_JSON_ERROR_TOO_DEEP)
 */
SwarmJsonDoc *
swarm_json_doc_parse (const char  *data,
                      gsize        length,
                      guint        max_depth,
                      GError     **error)
{
  g_autoptr(SwarmJsonDoc) doc = g_new0 (SwarmJsonDoc, 1);
  g_autoptr(GArray) values = g_array_sized_new (FALSE, FALSE, sizeof (SwarmJv), 256);
  g_autoptr(GArray) members = g_array_sized_new (FALSE, FALSE, sizeof (SwarmJvMember), 256);
  Parser parser = {
    .doc = doc,
    .start = data,
    .p = data,
    .end = data + length,
    .max_depth = max_depth,
    .values = values,
    .members = members,
    .error = error,
  };

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  /* Unescaped text is never longer than the input: one block often holds all. */
  doc->next_block_size = MAX (BLOCK_MIN_SIZE, length + length / 4);

  if (!parse_value (&parser, &doc->root))
    return NULL;

  skip_space (&parser);
  if (parser.p != parser.end)
    {
      fail (&parser, _("more data after the end"));
      return NULL;
    }

  return g_steal_pointer (&doc);
}

const SwarmJv *
swarm_json_doc_root (SwarmJsonDoc *doc)
{
  g_return_val_if_fail (doc != NULL, NULL);

  return &doc->root;
}

/**
 * swarm_jv_get_member:
 *
 * Returns: (nullable): the member called @name of @object (the last one
 *   if it is written twice), or %NULL if there is none or @object is not
 *   an object
 */
const SwarmJv *
swarm_jv_get_member (const SwarmJv *object,
                     const char    *name)
{
  guint hash;

  if (object == NULL || object->type != SWARM_JV_OBJECT)
    return NULL;

  /* From the end: the last of two equal names wins, as in json-glib. */
  hash = g_str_hash (name);
  for (guint i = object->n; i > 0; i--)
    {
      const SwarmJvMember *member = &object->v.members[i - 1];

      if (member->name_hash == hash && strcmp (member->name, name) == 0)
        return &member->value;
    }

  return NULL;
}
