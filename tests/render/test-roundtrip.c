/* test-roundtrip.c — exported files read back by real QR decoders
 *
 * Every format × every error-correction level × with and without logo ×
 * with and without caption × black on white and a coloured pair, for a
 * UTF-8 text full of special characters and a Wi-Fi string: each file is
 * rasterised the way a user's tools would (rsvg-convert, pdftoppm,
 * ghostscript) and decoded by both zbarimg and ZXingReader, and the
 * decoded bytes must equal the payload exactly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "qrs-export.h"
#include "render-test-utils.h"

#define IMAGE_PX 320
#define IMAGE_DPI 300

static const char utf8_text[] =
  "Grüße — ¿Qué tal? 日本語 😀 \\ ; , : \" ' < > &";
/* Wi-Fi with every character the format escapes, as a raw string. */
static const char wifi_text[] =
  "WIFI:T:WPA;S:my\\;net\\,work;P:p\\:a\\\\ss\\\"w;;";
static const char long_text[] =
  "https://example.org/a/rather/long/address/that/needs/a/larger/version?"
  "campaign=spring&medium=print&source=poster&content=Grüße+日本語&"
  "note=the+logo+now+covers+the+centre+alignment+pattern+of+this+symbol+"
  "and+error+correction+must+restore+what+it+hides+0123456789";

static const QrsColor dark_blue = { 0x1a, 0x23, 0x7e, 0xff };
static const QrsColor light_yellow = { 0xff, 0xf5, 0x9d, 0xff };
static const QrsColor dark_red = { 0xb7, 0x1c, 0x1c, 0xff };

typedef enum
{
  DECODER_ZBAR,
  DECODER_ZXING,
  N_DECODERS
} Decoder;

typedef struct
{
  char            *name;
  char            *path;       /* the exported file */
  char            *image;      /* what the decoders read */
  char            *zxing_image;
  GBytes          *expected;
  QrsEcLevel       level;
  gboolean         micro;
} Case;

typedef struct
{
  char   **argv;
  Case    *test_case;
  Decoder  decoder;   /* for decoding jobs */
  GBytes  *out;
  GBytes  *err;
  int      status;
  guint   *running;
} Job;

typedef struct
{
  char      *dir;
  char      *zbarimg;
  char      *zxing;
  GPtrArray *cases;
  GBytes    *logo;
} Fixture;

static void
case_free (Case *c)
{
  g_free (c->name);
  g_free (c->path);
  g_free (c->image);
  g_free (c->zxing_image);
  g_bytes_unref (c->expected);
  g_free (c);
}

static void
job_free (Job *job)
{
  g_strfreev (job->argv);
  g_clear_pointer (&job->out, g_bytes_unref);
  g_clear_pointer (&job->err, g_bytes_unref);
  g_free (job);
}

static Job *
job_new (Case *test_case,
         ...)
{
  Job *job = g_new0 (Job, 1);
  GPtrArray *argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  va_start (args, test_case);
  while ((arg = va_arg (args, const char *)))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  job->argv = (char **)g_ptr_array_free (argv, FALSE);
  job->test_case = test_case;
  job->status = -1;
  return job;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("qrs-roundtrip-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->zbarimg = render_test_find_tool ("zbarimg");
  fixture->zxing = render_test_find_tool ("ZXingReader");
  fixture->cases = g_ptr_array_new_with_free_func ((GDestroyNotify)case_free);
  fixture->logo = render_test_make_logo_png (0xd81b60);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  /* Keep the files of a failed run for a look. */
  if (g_test_failed ())
    g_test_message ("the exported files stay in %s", fixture->dir);
  else
    remove_tree (fixture->dir);

  g_free (fixture->dir);
  g_free (fixture->zbarimg);
  g_free (fixture->zxing);
  g_ptr_array_unref (fixture->cases);
  g_bytes_unref (fixture->logo);
}

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GSubprocess *process = G_SUBPROCESS (source);
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_communicate_finish (process, result, &job->out, &job->err, &error))
    g_error ("%s: %s", job->argv[0], error->message);

  if (g_subprocess_get_if_exited (process))
    job->status = g_subprocess_get_exit_status (process);

  (*job->running)--;
  g_object_unref (process);
}

/* Runs the jobs a few at a time: the decoders are separate programs, and
 * the machine has a couple of cores to keep busy. */
static void
run_jobs (GPtrArray *jobs)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  guint parallel = CLAMP (g_get_num_processors (), 2, 4);
  guint running = 0;
  guint next = 0;

  g_main_context_push_thread_default (context);

  while (next < jobs->len || running > 0)
    {
      while (running < parallel && next < jobs->len)
        {
          Job *job = g_ptr_array_index (jobs, next++);
          g_autoptr(GError) error = NULL;
          GSubprocess *process;

          process = g_subprocess_newv ((const char * const *)job->argv,
                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                       &error);
          g_assert_no_error (error);
          job->running = &running;
          running++;
          g_subprocess_communicate_async (process, NULL, NULL, communicate_cb, job);
        }

      g_main_context_iteration (context, TRUE);
    }

  g_main_context_pop_thread_default (context);
}

static const char *
format_label (QrsExportFormat format)
{
  return qrs_export_format_get_extension (format);
}

/* ZXingReader prints the decoded bytes as hexadecimal on its "Bytes:"
 * line and the level on "EC Level:"; its "Text:" line would be decoded
 * with a guessed character set. */
static GBytes *
parse_zxing (GBytes  *out,
             char   **level)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GByteArray *bytes = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "Bytes:") && bytes == NULL)
        {
          g_auto(GStrv) hex = g_strsplit_set (lines[i] + strlen ("Bytes:"), " ", -1);

          bytes = g_byte_array_new ();
          for (guint j = 0; hex[j] != NULL; j++)
            {
              guint8 b;

              if (hex[j][0] == '\0')
                continue;
              g_assert_cmpuint (strlen (hex[j]), ==, 2);
              b = g_ascii_xdigit_value (hex[j][0]) << 4 | g_ascii_xdigit_value (hex[j][1]);
              g_byte_array_append (bytes, &b, 1);
            }
        }
      else if (g_str_has_prefix (lines[i], "EC Level:") && level != NULL && *level == NULL)
        *level = g_strstrip (g_strdup (lines[i] + strlen ("EC Level:")));
    }

  return bytes ? g_byte_array_free_to_bytes (bytes) : NULL;
}

static char *
printable (GBytes *bytes)
{
  if (bytes == NULL)
    return g_strdup ("(nothing)");

  g_autofree char *text = NULL;

  if (g_bytes_get_size (bytes) == 0)
    return g_strdup ("");

  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return g_strescape (text, NULL);
}

/* Exports every case, rasterises what needs it, decodes every image with
 * both decoders, and fails naming each case whose bytes differ. */
static void
run_cases (Fixture *fixture)
{
  g_autoptr(GPtrArray) converts = g_ptr_array_new_with_free_func ((GDestroyNotify)job_free);
  g_autoptr(GPtrArray) decodes = g_ptr_array_new_with_free_func ((GDestroyNotify)job_free);
  g_autoptr(GTimer) timer = g_timer_new ();
  guint failures = 0;
  double t_convert, t_decode;

  if (fixture->zbarimg == NULL || fixture->zxing == NULL)
    return;

  for (guint i = 0; i < fixture->cases->len; i++)
    {
      Case *c = g_ptr_array_index (fixture->cases, i);

      if (g_str_has_suffix (c->path, ".svg"))
        {
          c->image = g_strconcat (c->path, ".png", NULL);
          g_ptr_array_add (converts, job_new (c, "rsvg-convert", "-o", c->image, c->path, NULL));
        }
      else if (g_str_has_suffix (c->path, ".pdf"))
        {
          g_autofree char *base = g_strconcat (c->path, "-page", NULL);

          c->image = g_strconcat (base, ".png", NULL);
          g_ptr_array_add (converts, job_new (c, "pdftoppm", "-png", "-r", G_STRINGIFY (IMAGE_DPI),
                                              "-singlefile", c->path, base, NULL));
        }
      else if (g_str_has_suffix (c->path, ".eps"))
        {
          g_autofree char *output = NULL;

          c->image = g_strconcat (c->path, ".png", NULL);
          output = g_strconcat ("-sOutputFile=", c->image, NULL);
          g_ptr_array_add (converts, job_new (c, "gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE",
                                              "-dEPSCrop", "-sDEVICE=png16m",
                                              "-r" G_STRINGIFY (IMAGE_DPI), output, c->path, NULL));
        }
      else
        c->image = g_strdup (c->path);
    }

  for (guint i = 0; i < converts->len; i++)
    {
      Job *job = g_ptr_array_index (converts, i);
      g_autofree char *tool = render_test_find_tool (job->argv[0]);

      if (tool == NULL)
        return;
    }

  g_timer_start (timer);
  run_jobs (converts);
  t_convert = g_timer_elapsed (timer, NULL);

  for (guint i = 0; i < converts->len; i++)
    {
      Job *job = g_ptr_array_index (converts, i);

      if (job->status != 0)
        {
          g_autofree char *err = printable (job->err);

          g_test_message ("%s: %s failed (status %d): %s", job->test_case->name,
                          job->argv[0], job->status, err);
          failures++;
        }
    }

  for (guint i = 0; i < fixture->cases->len; i++)
    {
      Case *c = g_ptr_array_index (fixture->cases, i);
      const char *zxing_image = c->zxing_image ? c->zxing_image : c->image;
      Job *job;

      if (!c->micro)
        {
          /* --raw -Sbinary: the symbol's bytes, no character set guessed. */
          job = job_new (c, fixture->zbarimg, "--nodbus", "--quiet", "--raw", "-Sbinary",
                         "-Sdisable", "-Sqrcode.enable", c->image, NULL);
          job->decoder = DECODER_ZBAR;
          g_ptr_array_add (decodes, job);
        }

      job = job_new (c, fixture->zxing, "-format", c->micro ? "MicroQRCode" : "QRCode",
                     zxing_image, NULL);
      job->decoder = DECODER_ZXING;
      g_ptr_array_add (decodes, job);
    }

  g_timer_start (timer);
  run_jobs (decodes);
  t_decode = g_timer_elapsed (timer, NULL);

  for (guint i = 0; i < decodes->len; i++)
    {
      Job *job = g_ptr_array_index (decodes, i);
      Case *c = job->test_case;
      g_autoptr(GBytes) decoded = NULL;
      g_autofree char *level = NULL;
      const char *decoder = job->decoder == DECODER_ZBAR ? "zbarimg" : "ZXingReader";

      if (job->decoder == DECODER_ZBAR)
        decoded = job->status == 0 ? g_bytes_ref (job->out) : NULL;
      else
        decoded = parse_zxing (job->out, &level);

      if (decoded == NULL || !g_bytes_equal (decoded, c->expected))
        {
          g_autofree char *got = printable (decoded);
          g_autofree char *err = printable (job->err);

          g_test_message ("FAILED %s: %s read “%s” (status %d, stderr “%s”)",
                          c->name, decoder, got, job->status, err);
          failures++;
          continue;
        }

      if (level != NULL && g_strcmp0 (level, qrs_ec_level_to_string (c->level)) != 0)
        {
          g_test_message ("FAILED %s: ZXingReader says the level is %s, not %s",
                          c->name, level, qrs_ec_level_to_string (c->level));
          failures++;
        }
    }

  g_test_message ("%u files, %u conversions in %.1f s, %u decodes in %.1f s, %u failures",
                  fixture->cases->len, converts->len, t_convert, decodes->len, t_decode, failures);
  g_assert_cmpuint (failures, ==, 0);
}

/* ZXingReader reads no WebP: hand it the same pixels as PNG, decoded
 * by the WebP loader.  zbarimg reads the WebP file itself. */
static char *
webp_to_png (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, &error);
  char *png = g_strconcat (path, ".png", NULL);

  g_assert_no_error (error);
  gdk_pixbuf_save (pixbuf, png, "png", &error, NULL);
  g_assert_no_error (error);

  return png;
}

static void
add_case (Fixture         *fixture,
          QrsDesign       *design,
          const char      *payload,
          QrsExportFormat  format,
          const char      *label)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrsSymbol) symbol = NULL;
  Case *c = g_new0 (Case, 1);
  g_autofree char *file = NULL;

  c->name = g_strdup (label);
  c->expected = g_bytes_new (payload, strlen (payload));
  c->micro = qrs_design_get_symbol_type (design) == QRS_SYMBOL_TYPE_MICRO_QR;

  symbol = qrs_design_encode (design, payload, &error);
  g_assert_no_error (error);
  c->level = qrs_symbol_get_ec_level (symbol);

  file = g_strdelimit (g_strdup_printf ("%03u-%s.%s", fixture->cases->len, label,
                                        qrs_export_format_get_extension (format)),
                       "/ ", '_');
  c->path = g_build_filename (fixture->dir, file, NULL);

  if (!qrs_export_to_file (design, symbol, format, c->path, &error))
    g_error ("%s: %s", label, error->message);

  if (format == QRS_EXPORT_FORMAT_WEBP)
    c->zxing_image = webp_to_png (c->path);

  g_ptr_array_add (fixture->cases, c);
}

static QrsDesign *
base_design (void)
{
  QrsDesign *design = qrs_design_new ();

  qrs_design_set_size (design, IMAGE_PX);
  qrs_design_set_dpi (design, IMAGE_DPI);
  return design;
}

static void
test_matrix (Fixture       *fixture,
             gconstpointer  data)
{
  QrsExportFormat format = GPOINTER_TO_INT (data);
  const char *payloads[] = { utf8_text, wifi_text };
  const char *payload_names[] = { "utf8", "wifi" };

  for (QrsEcLevel level = QRS_EC_LEVEL_L; level <= QRS_EC_LEVEL_H; level++)
    for (guint logo = 0; logo < 2; logo++)
      for (guint caption = 0; caption < 2; caption++)
        for (guint colour = 0; colour < 2; colour++)
          for (guint p = 0; p < G_N_ELEMENTS (payloads); p++)
            {
              g_autoptr(QrsDesign) design = base_design ();
              g_autofree char *label = NULL;

              qrs_design_set_ec_level (design, level);
              if (logo)
                g_assert_true (qrs_design_set_logo (design, fixture->logo, NULL));
              if (caption)
                {
                  qrs_design_set_caption (design, "Scan me — Grüße & “hello”");
                  qrs_design_set_caption_font (design, "Sans 8");
                }
              if (colour)
                {
                  qrs_design_set_foreground (design, &dark_blue);
                  qrs_design_set_background (design, &light_yellow);
                  qrs_design_set_caption_color (design, &dark_blue);
                }

              /* A logo raises the level to Q: L and M are tested as Q. */
              label = g_strdup_printf ("%s/%s%s/%s/%s/%s/%s", format_label (format),
                                       qrs_ec_level_to_string (level),
                                       logo && level < QRS_EC_LEVEL_Q ? "→Q" : "",
                                       logo ? "logo" : "no-logo",
                                       caption ? "caption" : "no-caption",
                                       colour ? "blue-on-yellow" : "black-on-white",
                                       payload_names[p]);
              add_case (fixture, design, payloads[p], format, label);
            }

  run_cases (fixture);
}

/* Dots and rounded modules, coloured finders and alignment patterns, and
 * a large symbol whose centre alignment pattern lies under the logo. */
static void
test_shapes (Fixture       *fixture,
             gconstpointer  data)
{
  QrsExportFormat formats[] = { QRS_EXPORT_FORMAT_PNG, QRS_EXPORT_FORMAT_SVG, QRS_EXPORT_FORMAT_PDF };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (QrsModuleShape shape = QRS_MODULE_SHAPE_SQUARE; shape <= QRS_MODULE_SHAPE_ROUNDED; shape++)
      for (guint logo = 0; logo < 2; logo++)
        for (guint large = 0; large < 2; large++)
          {
            g_autoptr(QrsDesign) design = base_design ();
            g_autofree char *label = NULL;

            qrs_design_set_size (design, large ? 600 : IMAGE_PX);
            qrs_design_set_module_shape (design, shape);
            qrs_design_set_ec_level (design, QRS_EC_LEVEL_H);
            qrs_design_set_foreground (design, &dark_blue);
            qrs_design_set_finder_color (design, &dark_red);
            qrs_design_set_alignment_color (design, &dark_red);
            if (logo)
              {
                g_assert_true (qrs_design_set_logo (design, fixture->logo, NULL));
                qrs_design_set_logo_ratio (design, 0.3);
              }
            if (large)
              {
                qrs_design_set_caption (design, "Caption above the code");
                qrs_design_set_caption_position (design, QRS_CAPTION_POSITION_ABOVE);
              }

            label = g_strdup_printf ("%s/%s/%s/%s", format_label (formats[f]),
                                     qrs_module_shape_to_string (shape),
                                     logo ? "logo" : "no-logo",
                                     large ? "large-caption-above" : "small");
            add_case (fixture, design, large ? long_text : utf8_text, formats[f], label);
          }

  run_cases (fixture);
}

static void
test_micro (Fixture       *fixture,
            gconstpointer  data)
{
  struct { const char *text; QrsEcLevel level; int version; } cases[] = {
    { "12345", QRS_EC_LEVEL_L, 1 },
    { "HELLO", QRS_EC_LEVEL_L, 2 },
    { "Grüße", QRS_EC_LEVEL_M, 3 },
    { "hello micro", QRS_EC_LEVEL_M, 4 },
    { "M4 Q", QRS_EC_LEVEL_Q, 4 },
  };

  g_test_message ("zbar cannot read Micro QR: these symbols are decoded with ZXingReader only");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QrsDesign) design = base_design ();
      g_autoptr(QrsSymbol) symbol = NULL;
      g_autofree char *label = NULL;

      qrs_design_set_symbol_type (design, QRS_SYMBOL_TYPE_MICRO_QR);
      qrs_design_set_ec_level (design, cases[i].level);
      qrs_design_set_size (design, 300);

      symbol = qrs_design_encode (design, cases[i].text, NULL);
      g_assert_nonnull (symbol);
      g_assert_cmpint (qrs_symbol_get_version (symbol), ==, cases[i].version);

      label = g_strdup_printf ("png/M%d/%s", cases[i].version, qrs_ec_level_to_string (cases[i].level));
      add_case (fixture, design, cases[i].text, QRS_EXPORT_FORMAT_PNG, label);
    }

  run_cases (fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (QrsExportFormat format = QRS_EXPORT_FORMAT_PNG; format <= QRS_EXPORT_FORMAT_WEBP; format++)
    {
      g_autofree char *path = g_strdup_printf ("/roundtrip/matrix/%s", format_label (format));

      g_test_add (path, Fixture, GINT_TO_POINTER (format), fixture_setup, test_matrix, fixture_teardown);
    }
  g_test_add ("/roundtrip/shapes", Fixture, NULL, fixture_setup, test_shapes, fixture_teardown);
  g_test_add ("/roundtrip/micro", Fixture, NULL, fixture_setup, test_micro, fixture_teardown);

  return g_test_run ();
}
