/* sl-storage-seed.c — sample objects for --seed demo / demo-large.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The buckets and policies come from sql/seed-demo-30-storage.sql; the
 * objects need bytes on disk, so they are made here: small PNG avatars
 * drawn in code (zlib "stored" blocks, no image library) and a few text,
 * CSV, JSON and Markdown documents in nested folders.
 */

#define G_LOG_DOMAIN "sl-storage"

#include <string.h>
#include <glib/gstdio.h>

#include "sl-storage-private.h"

/* ---------------------------------------------------------------- PNG */

static guint32 crc_table[256];

static void
crc_init (void)
{
  for (guint32 n = 0; n < 256; n++)
    {
      guint32 c = n;
      for (int k = 0; k < 8; k++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      crc_table[n] = c;
    }
}

static guint32
crc32_update (guint32       crc,
              const guint8 *data,
              gsize         len)
{
  for (gsize i = 0; i < len; i++)
    crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

  g_byte_array_append (out, b, 4);
}

static void
put_chunk (GByteArray   *out,
           const char   *type,
           const guint8 *data,
           gsize         len)
{
  guint32 crc = 0xffffffffu;

  put_u32 (out, len);
  g_byte_array_append (out, (const guint8 *) type, 4);
  g_byte_array_append (out, data, len);
  crc = crc32_update (crc, (const guint8 *) type, 4);
  crc = crc32_update (crc, data, len);
  put_u32 (out, crc ^ 0xffffffffu);
}

/* A size×size RGB avatar: a disc of @fg on @bg with a lighter ring. */
static GBytes *
make_avatar_png (guint         size,
                 const guint8  bg[3],
                 const guint8  fg[3])
{
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(GByteArray) z = g_byte_array_new ();
  GByteArray *png = g_byte_array_new ();
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 ihdr[13];
  guint32 a = 1, b = 0;
  gsize pos = 0;

  if (crc_table[1] == 0)
    crc_init ();

  for (guint y = 0; y < size; y++)
    {
      guint8 filter = 0;
      g_byte_array_append (raw, &filter, 1);
      for (guint x = 0; x < size; x++)
        {
          double dx = x + 0.5 - size / 2.0;
          double dy = y + 0.5 - size / 2.0;
          double r = (dx * dx + dy * dy) / ((size / 2.0) * (size / 2.0));
          guint8 px[3];

          for (int c = 0; c < 3; c++)
            {
              if (r < 0.45)
                px[c] = fg[c];
              else if (r < 0.6)
                px[c] = (guint8) ((fg[c] + 255) / 2);
              else
                px[c] = bg[c];
            }
          g_byte_array_append (raw, px, 3);
        }
    }

  /* zlib header, stored blocks of ≤ 65535 bytes, adler32. */
  {
    guint8 hdr[2] = { 0x78, 0x01 };
    g_byte_array_append (z, hdr, 2);
  }
  while (pos < raw->len)
    {
      gsize n = MIN (raw->len - pos, 65535);
      guint8 bh[5];

      bh[0] = pos + n == raw->len ? 1 : 0;
      bh[1] = n & 0xff;
      bh[2] = (n >> 8) & 0xff;
      bh[3] = ~n & 0xff;
      bh[4] = (~n >> 8) & 0xff;
      g_byte_array_append (z, bh, 5);
      g_byte_array_append (z, raw->data + pos, n);
      pos += n;
    }
  for (gsize i = 0; i < raw->len; i++)
    {
      a = (a + raw->data[i]) % 65521;
      b = (b + a) % 65521;
    }
  put_u32 (z, (b << 16) | a);

  g_byte_array_append (png, signature, 8);
  ihdr[0] = 0; ihdr[1] = 0; ihdr[2] = (size >> 8) & 0xff; ihdr[3] = size & 0xff;
  ihdr[4] = 0; ihdr[5] = 0; ihdr[6] = (size >> 8) & 0xff; ihdr[7] = size & 0xff;
  ihdr[8] = 8;    /* bit depth */
  ihdr[9] = 2;    /* RGB */
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  put_chunk (png, "IHDR", ihdr, sizeof ihdr);
  put_chunk (png, "IDAT", z->data, z->len);
  put_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}

/* ------------------------------------------------------------ Seeding */

static void
seed_one (SlStorage  *self,
          const char *bucket,
          const char *name,
          const char *mimetype,
          GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_strdup (self->tmp_dir);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *path = g_build_filename (dir, uuid, NULL);
  g_autofree char *id = NULL;
  SlStorageError *err = NULL;
  SlActor super = { NULL, NULL, NULL };
  SlUploadSpec spec = {
    .bucket = bucket,
    .name = name,
    .mimetype = mimetype,
    .cache_control = "max-age=3600",
    .user_metadata = NULL,
    .upsert = FALSE,
  };
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  g_mkdir_with_parents (dir, 0700);
  if (!g_file_set_contents (path, data, len, &error))
    {
      g_warning ("storage seed: %s", error->message);
      return;
    }
  spec.src_path = path;
  id = sl_storage_store_object (self, &super, &spec, &err);
  if (id == NULL)
    {
      /* KeyAlreadyExists: a reused work directory was seeded before. */
      if (g_strcmp0 (err->code, "KeyAlreadyExists") != 0)
        g_warning ("storage seed: %s/%s: %s", bucket, name, err->message);
      sl_storage_error_free (err);
      g_unlink (path);
    }
}

static void
seed_text (SlStorage  *self,
           const char *name,
           const char *mimetype,
           const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  seed_one (self, "documents", name, mimetype, bytes);
}

void
sl_storage_seed_demo (SlStorage *self)
{
  static const struct { const char *name; guint8 bg[3]; guint8 fg[3]; } avatars[] = {
    { "alice.png", { 0xde, 0xe8, 0xf7 }, { 0x35, 0x84, 0xe4 } },
    { "bob.png",   { 0xf6, 0xe9, 0xd6 }, { 0xe6, 0x61, 0x00 } },
    { "carol.png", { 0xe1, 0xf4, 0xe4 }, { 0x26, 0xa2, 0x69 } },
    { "team/dave.png", { 0xee, 0xe2, 0xf4 }, { 0x91, 0x41, 0xac } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (avatars); i++)
    {
      g_autoptr(GBytes) png = make_avatar_png (64, avatars[i].bg, avatars[i].fg);
      seed_one (self, "avatars", avatars[i].name, "image/png", png);
    }

  seed_text (self, "README.md", "text/markdown",
             "# Documents\n\nSample files for the Supadesk demo project.\n\n"
             "* `reports/` — quarterly numbers\n* `config/` — settings exports\n");
  seed_text (self, "reports/2024/q1-sales.csv", "text/csv",
             "region,product,units,revenue\nnorth,widget,120,2400.00\n"
             "south,widget,98,1960.00\neast,gadget,45,2250.00\nwest,gadget,61,3050.00\n");
  seed_text (self, "reports/2024/q2-sales.csv", "text/csv",
             "region,product,units,revenue\nnorth,widget,133,2660.00\n"
             "south,widget,104,2080.00\neast,gadget,52,2600.00\nwest,gadget,70,3500.00\n");
  seed_text (self, "reports/summary.txt", "text/plain",
             "Revenue grew 11% from Q1 to Q2.\nWidgets remain the volume leader.\n");
  seed_text (self, "config/app-settings.json", "application/json",
             "{\n  \"theme\": \"dark\",\n  \"pageSize\": 50,\n  \"features\": [\"realtime\", \"storage\"]\n}\n");
  seed_text (self, "notes/meeting-notes.md", "text/markdown",
             "## Weekly sync\n\n- Ship the storage browser\n- Review RLS policies\n");
}
