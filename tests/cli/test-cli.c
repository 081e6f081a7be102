/* test-cli.c — qrstudio-cli run for real, its files read back with real
 * decoders (zbarimg, ZXingReader) and compared byte for byte with what
 * the payload builders encode
 *
 * The path of the program is the first argument (meson passes it), or
 * $QRS_CLI.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "qrs-design.h"
#include "qrs-payload.h"

static const char *cli_path;

typedef struct
{
  char *root;        /* the working directory of every run */
  char *in;          /* root/in: inputs the test writes */
  char *out;         /* root/out: where the program writes */
} Fixture;

typedef struct
{
  int     status;
  GBytes *out;
  char   *err;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->out, g_bytes_unref);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->root = g_dir_make_tmp ("qrs-cli-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->in = g_build_filename (fixture->root, "in", NULL);
  fixture->out = g_build_filename (fixture->root, "out", NULL);
  g_assert_cmpint (g_mkdir (fixture->in, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (fixture->out, 0700), ==, 0);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->in);
  g_free (fixture->out);
}

/* Runs qrstudio-cli with @args in the fixture's folder. */
static Run *
run_cli_with_input (Fixture            *fixture,
                    const char         *input,
                    const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GBytes) stdin_bytes = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;
  Run *run = g_new0 (Run, 1);

  g_ptr_array_add (argv, (char *)cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);

  if (input != NULL)
    {
      flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
      stdin_bytes = g_bytes_new (input, strlen (input));
    }

  launcher = g_subprocess_launcher_new (flags);
  g_subprocess_launcher_set_cwd (launcher, fixture->root);
  /* A sanitized build lists the leak suppressions it used on stderr,
   * which would hide what the program itself prints there. */
  {
    const char *lsan = g_getenv ("LSAN_OPTIONS");
    g_autofree char *options = g_strconcat (lsan ? lsan : "", lsan ? ":" : "", "print_suppressions=0", NULL);

    g_subprocess_launcher_setenv (launcher, "LSAN_OPTIONS", options, TRUE);
  }
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate (process, stdin_bytes, NULL, &run->out, &err, &error);
  g_assert_no_error (error);
  run->err = g_strndup (g_bytes_get_size (err) ? g_bytes_get_data (err, NULL) : "", g_bytes_get_size (err));

  if (!g_subprocess_get_if_exited (process))
    g_error ("qrstudio-cli died (signal %d): %s", g_subprocess_get_term_sig (process), run->err);
  run->status = g_subprocess_get_exit_status (process);

  return run;
}

#define run_cli(fixture, ...) \
  run_cli_with_input (fixture, NULL, (const char * const[]) { __VA_ARGS__, NULL })

static char *
run_out_text (Run *run)
{
  gsize length;
  const char *data = g_bytes_get_data (run->out, &length);

  return g_strndup (length ? data : "", length);
}

static void
assert_success (Run *run)
{
  if (run->status != 0)
    g_error ("qrstudio-cli exited with %d: %s", run->status, run->err);
}

/* Exit status 2, exactly one line on stderr that names the program, and
 * nothing on stdout. */
static void
assert_usage_error (Run        *run,
                    const char *what)
{
  const char *newline = strchr (run->err, '\n');

  if (run->status != 2)
    g_error ("%s: expected exit status 2, got %d: %s", what, run->status, run->err);
  g_assert_true (g_str_has_prefix (run->err, "qrstudio-cli: "));
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_cmpuint (strlen (run->err), >, strlen ("qrstudio-cli: ") + 10);
  g_assert_cmpuint (g_bytes_get_size (run->out), ==, 0);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

static char *
list_dir (const char *path)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return g_strdup ("(missing)");

  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (" ", (char **)names->pdata);
}

static void
assert_dir (const char *path,
            const char *expected)
{
  g_autofree char *listing = list_dir (path);

  g_assert_cmpstr (listing, ==, expected);
}

static void
write_file (Fixture    *fixture,
            const char *name,
            const char *contents,
            gssize      length)
{
  g_autofree char *path = g_build_filename (fixture->in, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static GBytes *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (contents, length);
}

/* The bytes a decoder reads from an image. */
static GBytes *
decode_with (const char * const *argv)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("%s could not read %s", argv[0], argv[g_strv_length ((char **)argv) - 1]);

  return g_steal_pointer (&out);
}

static void
assert_decodes_to (const char *png_path,
                   const char *expected)
{
  const char *zbar[] = { "zbarimg", "--raw", "-q", "-Sbinary", png_path, NULL };
  g_autoptr(GBytes) got = decode_with (zbar);
  g_autoptr(GBytes) want = g_bytes_new (expected, strlen (expected));

  if (!g_bytes_equal (got, want))
    g_error ("%s decodes to “%.*s”, not “%s”", png_path,
             (int)g_bytes_get_size (got), (const char *)g_bytes_get_data (got, NULL), expected);
}

/* What the payload builders encode, to compare the decoders' bytes with:
 * pairs of field and value, a field with several values repeated. */
static char *
encode_payload (QrsPayloadType  payload_type,
                ...)
{
  g_autoptr(QrsPayload) payload = qrs_payload_new (payload_type);
  g_autoptr(GError) error = NULL;
  const char *field;
  va_list args;
  char *text;

  va_start (args, payload_type);
  while ((field = va_arg (args, const char *)))
    {
      const char *value = va_arg (args, const char *);

      if (qrs_payload_get (payload, field) != NULL)
        qrs_payload_add (payload, field, value, &error);
      else
        qrs_payload_set (payload, field, value, &error);
      g_assert_no_error (error);
    }
  va_end (args);

  text = qrs_payload_encode (payload, &error);
  g_assert_no_error (error);

  return text;
}

/* --version, --help */

static void
test_cli_version (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(Run) run = run_cli (fixture, "--version");
  g_autofree char *out = run_out_text (run);

  assert_success (run);
  g_assert_cmpstr (out, ==, "qrstudio-cli (" PACKAGE_NAME ") " PACKAGE_VERSION "\n");
}

static void
test_cli_help (Fixture       *fixture,
               gconstpointer  data)
{
  static const char * const expected[][2] = {
    { "--help", "export" },
    { "help", "batch" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(Run) run = run_cli (fixture, expected[i][0]);
      g_autofree char *out = run_out_text (run);

      assert_success (run);
      g_assert_nonnull (strstr (out, expected[i][1]));
      g_assert_nonnull (strstr (out, "help COMMAND"));
    }

  {
    g_autoptr(Run) run = run_cli (fixture, "help", "export");
    g_autofree char *out = run_out_text (run);

    assert_success (run);
    g_assert_nonnull (strstr (out, "qrstudio-cli export [OPTION"));
    g_assert_nonnull (strstr (out, "--help-payload"));
    g_assert_nonnull (strstr (out, "--help-design"));
    g_assert_nonnull (strstr (out, "--lint"));
    g_assert_nonnull (strstr (out, "Exit status"));
  }

  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--help-all");
    g_autofree char *out = run_out_text (run);

    assert_success (run);
    /* Generated from the payload types' fields. */
    for (guint i = 0; i < 2; i++)
      {
        const char *options[] = { "--text=TEXT", "--url=URL", "--wifi-ssid=SSID", "--wifi-hidden ",
                                  "--vcard-phone=PHONE", "--email-to=TO", "--geo-latitude=LATITUDE",
                                  "--event-summary=SUMMARY", "--event-all-day ", "--fg=COLOUR",
                                  "--shape=square|dot|rounded", "--design=FILE.json", NULL };

        for (guint j = 0; options[j] != NULL; j++)
          if (strstr (out, options[j]) == NULL)
            g_error ("export --help-all does not show %s:\n%s", options[j], out);
      }
  }

  {
    g_autoptr(Run) run = run_cli (fixture, "batch", "--help");
    g_autofree char *out = run_out_text (run);

    assert_success (run);
    g_assert_nonnull (strstr (out, "qrstudio-cli batch [OPTION"));
    g_assert_nonnull (strstr (out, "--jobs"));
  }
}

/* Bad input */

typedef struct
{
  const char *what;
  const char *args[12];
} BadInput;

static void
test_cli_bad_input (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *too_long = g_strnfill (3000, 'a');
  g_autofree char *big = g_strnfill (3 * 1024 * 1024, 'x');
  const BadInput cases[] = {
    { "no command", { NULL } },
    { "unknown command", { "exprot", "--url", "https://example.edu", NULL } },
    { "option before the command", { "--url", "https://example.edu", NULL } },
    { "unknown option", { "export", "--url", "https://example.edu", "--colour", "red", "-o", "out/a.png", NULL } },
    { "missing value", { "export", "-o", "out/a.png", "--url", NULL } },
    { "stray argument", { "export", "--text", "two", "words", "-o", "out/a.png", NULL } },
    { "no payload", { "export", "--fg", "#000000", "-o", "out/a.png", NULL } },
    { "no output", { "export", "--url", "https://example.edu", NULL } },
    { "two payload types", { "export", "--url", "https://example.edu", "--wifi-ssid", "Lab", "-o", "out/a.png", NULL } },
    { "missing required field", { "export", "--wifi-password", "secret", "-o", "out/a.png", NULL } },
    { "dangerous url", { "export", "--url", "javascript:alert(1)", "-o", "out/a.png", NULL } },
    { "bad wifi auth", { "export", "--wifi-ssid", "Lab", "--wifi-auth", "ROT13", "-o", "out/a.png", NULL } },
    { "latitude out of range", { "export", "--geo-latitude", "91", "--geo-longitude", "0", "-o", "out/a.png", NULL } },
    { "payload too long", { "export", "--text", too_long, "-o", "out/a.png", NULL } },
    { "too long for micro", { "export", "--micro", "--text", "https://example.edu/a/long/way", "-o", "out/a.png", NULL } },
    { "bad colour", { "export", "--url", "https://example.edu", "--fg", "#12345", "-o", "out/a.png", NULL } },
    { "bad background", { "export", "--url", "https://example.edu", "--bg", "white-ish", "-o", "out/a.png", NULL } },
    { "bad ec", { "export", "--url", "https://example.edu", "--ec", "X", "-o", "out/a.png", NULL } },
    { "bad shape", { "export", "--url", "https://example.edu", "--shape", "star", "-o", "out/a.png", NULL } },
    { "bad size", { "export", "--url", "https://example.edu", "--size", "40parsec", "-o", "out/a.png", NULL } },
    { "bad dpi", { "export", "--url", "https://example.edu", "--size", "40mm", "--dpi", "5", "-o", "out/a.png", NULL } },
    { "bad version", { "export", "--url", "https://example.edu", "--min-version", "41", "-o", "out/a.png", NULL } },
    { "bad logo ratio", { "export", "--url", "https://example.edu", "--logo-ratio", "0.9", "-o", "out/a.png", NULL } },
    { "bad quiet zone", { "export", "--url", "https://example.edu", "--quiet-zone", "-3", "-o", "out/a.png", NULL } },
    { "bad caption position", { "export", "--url", "https://example.edu", "--caption", "Hi", "--caption-position", "left", "-o", "out/a.png", NULL } },
    { "bad distance", { "export", "--url", "https://example.edu", "--distance", "far", "-o", "out/a.png", NULL } },
    { "missing logo", { "export", "--url", "https://example.edu", "--logo", "in/missing.png", "-o", "out/a.png", NULL } },
    { "logo not an image", { "export", "--url", "https://example.edu", "--logo", "in/notes.txt", "-o", "out/a.png", NULL } },
    { "logo a folder", { "export", "--url", "https://example.edu", "--logo", "in", "-o", "out/a.png", NULL } },
    { "logo too big", { "export", "--url", "https://example.edu", "--logo", "in/big.png", "-o", "out/a.png", NULL } },
    { "missing design", { "export", "--url", "https://example.edu", "--design", "in/missing.json", "-o", "out/a.png", NULL } },
    { "broken design", { "export", "--url", "https://example.edu", "--design", "in/broken.json", "-o", "out/a.png", NULL } },
    { "unknown extension", { "export", "--url", "https://example.edu", "-o", "out/a.gif", NULL } },
    { "no extension", { "export", "--url", "https://example.edu", "-o", "out/a", NULL } },
    { "unknown format", { "export", "--url", "https://example.edu", "--format", "bmp", "-o", "out/a.png", NULL } },
    { "missing folder", { "export", "--url", "https://example.edu", "-o", "out/missing/a.png", NULL } },
    { "output is a folder", { "export", "--url", "https://example.edu", "--format", "png", "-o", "out", NULL } },
    { "unwritable save-design", { "export", "--url", "https://example.edu", "--save-design", "out/missing/d.json", NULL } },
    { "batch without file", { "batch", "-o", "out/batch", NULL } },
    { "batch without folder", { "batch", "in/good.csv", NULL } },
    { "batch missing file", { "batch", "in/missing.csv", "-o", "out/batch", NULL } },
    { "batch unknown column", { "batch", "in/unknown-column.csv", "-o", "out/batch", NULL } },
    { "batch duplicate column", { "batch", "in/duplicate-column.csv", "-o", "out/batch", NULL } },
    { "batch no payload column", { "batch", "in/no-payload.csv", "-o", "out/batch", NULL } },
    { "batch broken quotes", { "batch", "in/broken.csv", "-o", "out/batch", NULL } },
    { "batch latin-1", { "batch", "in/latin1.csv", "-o", "out/batch", NULL } },
    { "batch empty", { "batch", "in/empty.csv", "-o", "out/batch", NULL } },
    { "batch folder is a file", { "batch", "in/good.csv", "-o", "in/good.csv", NULL } },
    { "batch bad jobs", { "batch", "in/good.csv", "-o", "out/batch", "--jobs", "1000", NULL } },
    { "batch bad delimiter", { "batch", "in/good.csv", "-o", "out/batch", "--delimiter", "x", NULL } },
    { "batch bad design option", { "batch", "in/good.csv", "-o", "out/batch", "--fg", "#XYZ", NULL } },
  };

  write_file (fixture, "notes.txt", "not an image\n", -1);
  write_file (fixture, "big.png", big, -1);
  write_file (fixture, "broken.json", "{ \"format\": 1, \"foreground\": ", -1);
  write_file (fixture, "good.csv", "url\nhttps://example.edu\n", -1);
  write_file (fixture, "unknown-column.csv", "url,colour\nhttps://example.edu,red\n", -1);
  write_file (fixture, "duplicate-column.csv", "url,title,title\nhttps://example.edu,a,b\n", -1);
  write_file (fixture, "no-payload.csv", "title,fg\nA,#000000\n", -1);
  write_file (fixture, "broken.csv", "url,title\nhttps://example.edu,\"never closed\n", -1);
  write_file (fixture, "latin1.csv", "url,title\nhttps://example.edu,caf\xE9\n", -1);
  write_file (fixture, "empty.csv", "", 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Run) run = run_cli_with_input (fixture, NULL, cases[i].args);

      g_test_message ("%s: %s", cases[i].what, run->err);
      assert_usage_error (run, cases[i].what);
      /* No file, whole or partial, and no temporary one left behind. */
      assert_dir (fixture->out, "");
      assert_dir (fixture->root, "in out");
    }
}

/* A field's message says the form's label and, beside it, the option or
 * the column to change, and a choice's label with the word to type. */
static void
test_cli_field_messages (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *export_args[] = { "export", "--wifi-ssid", "Lab", "--wifi-auth", "WPA", "-o", "out/a.png", NULL };
  const char *batch_args[] = { "batch", "in/wifi.csv", "-o", "out/batch", NULL };
  g_autoptr(Run) run = NULL;
  g_autoptr(Run) batch = NULL;

  run = run_cli_with_input (fixture, NULL, export_args);
  assert_usage_error (run, "wifi without password");
  if (strstr (run->err, "The “Password” (--wifi-password) field is empty") == NULL ||
      strstr (run->err, "set “Security” (--wifi-auth) to “None (open network)” (nopass)") == NULL)
    g_error ("unclear message: %s", run->err);

  write_file (fixture, "wifi.csv", "wifi-ssid,wifi-auth\nLab,WPA\n", -1);
  batch = run_cli_with_input (fixture, NULL, batch_args);
  if (strstr (batch->err, "“Password” (wifi-password)") == NULL)
    g_error ("unclear batch message: %s", batch->err);
}

/* Export */

static void
test_cli_export_formats (Fixture       *fixture,
                         gconstpointer  data)
{
  static const struct { const char *extension; const char *magic; gsize offset; } formats[] = {
    { "png",  "\x89PNG\r\n", 0 },
    { "svg",  "<svg", G_MAXSIZE },
    { "pdf",  "%PDF-", 0 },
    { "eps",  "%!PS-Adobe", 0 },
    { "jpg",  "\xFF\xD8\xFF", 0 },
    { "webp", "WEBP", 8 },
  };
  const char *text = "Grüße, \"QR\" ☕ <&> 100%";

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *name = g_strdup_printf ("out/code.%s", formats[i].extension);
      g_autofree char *path = g_build_filename (fixture->root, name, NULL);
      g_autoptr(Run) run = run_cli (fixture, "export", "--text", text, "--caption", "Grüße",
                                    "--fg", "#1A5FB4", "-o", name);
      g_autoptr(GBytes) bytes = NULL;
      const char *contents;
      gsize length;

      assert_success (run);
      g_assert_cmpstr (run->err, ==, "");
      g_assert_cmpuint (g_bytes_get_size (run->out), ==, 0);

      bytes = read_file (path);
      contents = g_bytes_get_data (bytes, &length);
      if (formats[i].offset == G_MAXSIZE)
        g_assert_nonnull (g_strstr_len (contents, MIN (length, 512), formats[i].magic));
      else
        {
          g_assert_cmpuint (length, >, formats[i].offset + strlen (formats[i].magic));
          g_assert_cmpmem (contents + formats[i].offset, strlen (formats[i].magic),
                           formats[i].magic, strlen (formats[i].magic));
        }
    }

  /* The PNG, and the SVG rasterised, read back byte for byte. */
  {
    g_autofree char *png = g_build_filename (fixture->out, "code.png", NULL);
    g_autofree char *svg = g_build_filename (fixture->out, "code.svg", NULL);
    g_autofree char *svg_png = g_build_filename (fixture->root, "svg.png", NULL);
    const char *rsvg[] = { "rsvg-convert", "-w", "600", "-b", "white", "-o", svg_png, svg, NULL };
    g_autoptr(GBytes) ignored = decode_with (rsvg);

    assert_decodes_to (png, text);
    assert_decodes_to (svg_png, text);
  }
}

static void
test_cli_export_payloads (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *png = g_build_filename (fixture->out, "p.png", NULL);

  {
    g_autofree char *expected = encode_payload (QRS_PAYLOAD_TYPE_URL, "url", "https://example.edu/open-day?x=1&y=ñ", NULL);
    g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu/open-day?x=1&y=ñ", "-o", "out/p.png");

    assert_success (run);
    assert_decodes_to (png, expected);
  }

  {
    g_autofree char *expected = encode_payload (QRS_PAYLOAD_TYPE_WIFI, "ssid", "Café \"Lab\"; 2,4:GHz\\",
                                                "password", "p;a,s:s\\\"", "auth", "WPA",
                                                "hidden", "true", NULL);
    g_autoptr(Run) run = run_cli (fixture, "export", "--wifi-ssid", "Café \"Lab\"; 2,4:GHz\\",
                                  "--wifi-password", "p;a,s:s\\\"", "--wifi-auth", "WPA",
                                  "--wifi-hidden", "-o", "out/p.png");

    assert_success (run);
    assert_decodes_to (png, expected);
  }

  {
    g_autofree char *expected = encode_payload (QRS_PAYLOAD_TYPE_VCARD, "name", "Ana María Pérez",
                                                "phone", "+34 600 000 001", "phone", "+34 91 000 0002",
                                                "email", "ana@example.edu", "org", "Facultad; Ciencias", NULL);
    g_autoptr(Run) run = run_cli (fixture, "export", "--vcard-name", "Ana María Pérez",
                                  "--vcard-phone", "+34 600 000 001", "--vcard-phone", "+34 91 000 0002",
                                  "--vcard-email", "ana@example.edu", "--vcard-org", "Facultad; Ciencias",
                                  "-o", "out/p.png");

    assert_success (run);
    assert_decodes_to (png, expected);
  }

  {
    g_autofree char *expected = encode_payload (QRS_PAYLOAD_TYPE_EVENT, "summary", "Open day, 2025",
                                                "start", "2025-05-10T09:00:00Z", "end", "2025-05-10T14:00:00Z",
                                                "location", "Main hall", NULL);
    g_autoptr(Run) run = run_cli (fixture, "export", "--event-summary", "Open day, 2025",
                                  "--event-start", "2025-05-10T09:00:00Z", "--event-end", "2025-05-10T14:00:00Z",
                                  "--event-location", "Main hall", "-o", "out/p.png");

    assert_success (run);
    assert_decodes_to (png, expected);
  }

  {
    g_autofree char *expected = encode_payload (QRS_PAYLOAD_TYPE_GEO, "latitude", "40.4168",
                                                "longitude", "-3.7038", NULL);
    g_autoptr(Run) run = run_cli (fixture, "export", "--geo-latitude", "40.4168",
                                  "--geo-longitude=-3.7038", "-o", "out/p.png");

    assert_success (run);
    assert_decodes_to (png, expected);
  }
}

static void
test_cli_export_micro (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *png = g_build_filename (fixture->out, "m.png", NULL);
  g_autoptr(Run) run = run_cli (fixture, "export", "--micro", "--text", "HELLO 42", "--info", "-o", "out/m.png");
  g_autofree char *out = run_out_text (run);
  const char *zxing[] = { "ZXingReader", "-bytes", "-format", "MicroQRCode", png, NULL };
  g_autoptr(GBytes) got = NULL;

  assert_success (run);
  g_assert_true (g_str_has_prefix (out, "version: M"));

  got = decode_with (zxing);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "HELLO 42", 8);
}

static void
test_cli_export_stdout (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *png = g_build_filename (fixture->root, "stdout.png", NULL);
  g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu/☕", "-o", "-");
  g_autoptr(Run) svg = run_cli (fixture, "export", "--url", "https://example.edu", "--format", "svg", "-o", "-");
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data_bytes = g_bytes_get_data (run->out, &length);
  g_autofree char *svg_text = run_out_text (svg);

  assert_success (run);
  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (data_bytes, 8, "\x89PNG\r\n\x1A\n", 8);
  g_file_set_contents (png, data_bytes, length, &error);
  g_assert_no_error (error);
  {
    g_autofree char *expected = encode_payload (QRS_PAYLOAD_TYPE_URL, "url", "https://example.edu/☕", NULL);

    assert_decodes_to (png, expected);
  }

  assert_success (svg);
  g_assert_nonnull (strstr (svg_text, "<svg"));
  g_assert_nonnull (strstr (svg_text, "</svg>"));
  assert_dir (fixture->out, "");
}

static void
test_cli_export_physical_size (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu", "--size", "40mm",
                                "--dpi", "300", "--title", "Open day", "-o", "out/size.svg");
  g_autofree char *path = g_build_filename (fixture->out, "size.svg", NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("<svg[^>]*\\swidth=\"([0-9.]+)mm\"", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *svg = NULL;
  g_autofree char *width = NULL;

  assert_success (run);
  bytes = read_file (path);
  svg = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  g_assert_true (g_regex_match (regex, svg, 0, &match));
  width = g_match_info_fetch (match, 1);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (width, NULL), 40.0, 1e-6);
  g_assert_nonnull (strstr (svg, "<title"));
  g_assert_nonnull (strstr (svg, "Open day"));
}

static QrsDesign *
load_design (Fixture    *fixture,
             const char *name)
{
  g_autofree char *path = g_build_filename (fixture->root, name, NULL);
  g_autoptr(GBytes) bytes = read_file (path);
  g_autoptr(GError) error = NULL;
  QrsDesign *design;

  design = qrs_design_new_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);

  return design;
}

static void
test_cli_export_design (Fixture       *fixture,
                        gconstpointer  data)
{
  static const char logo[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
    "<rect width=\"10\" height=\"10\" fill=\"#C01C28\"/></svg>\n";
  g_autoptr(QrsDesign) first = NULL;
  g_autoptr(QrsDesign) changed = NULL;
  g_autofree char *first_json = NULL;
  g_autofree char *again_path = NULL;
  g_autofree char *first_path = NULL;
  g_autoptr(GBytes) first_bytes = NULL;
  g_autoptr(GBytes) again_bytes = NULL;
  g_autoptr(GBytes) png_a = NULL;
  g_autoptr(GBytes) png_b = NULL;
  g_autofree char *png_a_path = g_build_filename (fixture->out, "a.png", NULL);
  g_autofree char *png_b_path = g_build_filename (fixture->out, "b.png", NULL);
  QrsColor red = { 0xFF, 0, 0, 0xFF };

  write_file (fixture, "logo.svg", logo, -1);

  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu",
                                  "--fg", "#1A5FB4", "--bg", "#FFFFF0", "--shape", "rounded",
                                  "--finder-color", "#26A269", "--logo", "in/logo.svg", "--ec", "H",
                                  "--caption", "Open day", "--caption-position", "above",
                                  "--quiet-zone", "5", "--size", "512",
                                  "--save-design", "first.json", "-o", "out/a.png");
    assert_success (run);
  }

  /* Loading the saved design gives the same design and the same image. */
  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu",
                                  "--design", "first.json", "--save-design", "again.json", "-o", "out/b.png");
    assert_success (run);
  }

  first_path = g_build_filename (fixture->root, "first.json", NULL);
  again_path = g_build_filename (fixture->root, "again.json", NULL);
  first_bytes = read_file (first_path);
  again_bytes = read_file (again_path);
  g_assert_true (g_bytes_equal (first_bytes, again_bytes));

  png_a = read_file (png_a_path);
  png_b = read_file (png_b_path);
  g_assert_true (g_bytes_equal (png_a, png_b));
  assert_decodes_to (png_b_path, "https://example.edu");

  first = load_design (fixture, "first.json");
  g_assert_cmpint (qrs_design_get_module_shape (first), ==, QRS_MODULE_SHAPE_ROUNDED);
  g_assert_cmpint (qrs_design_get_ec_level (first), ==, QRS_EC_LEVEL_H);
  g_assert_cmpint (qrs_design_get_quiet_zone (first), ==, 5);
  g_assert_cmpstr (qrs_design_get_caption (first), ==, "Open day");
  g_assert_nonnull (qrs_design_get_logo (first));

  /* Later options change the loaded design, wherever --design stands. */
  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--fg", "#FF0000", "--design", "first.json",
                                  "--url", "https://example.edu", "--save-design", "changed.json");
    assert_success (run);
    assert_dir (fixture->out, "a.png b.png");
  }

  changed = load_design (fixture, "changed.json");
  g_assert_true (qrs_color_equal (qrs_design_get_foreground (changed), &red));
  g_assert_true (qrs_color_equal (qrs_design_get_background (changed), qrs_design_get_background (first)));
  g_assert_cmpint (qrs_design_get_module_shape (changed), ==, QRS_MODULE_SHAPE_ROUNDED);
  g_assert_cmpstr (qrs_design_get_logo_sha256 (changed), ==, qrs_design_get_logo_sha256 (first));
}

static guint
count_lines_starting (const char *text,
                      const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += g_str_has_prefix (lines[i], prefix);

  return n;
}

static void
test_cli_export_lint (Fixture       *fixture,
                      gconstpointer  data)
{
  /* Grey on grey: a contrast error.  Nothing written, status 1. */
  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu", "--lint",
                                  "--fg", "#777777", "--bg", "#888888", "-o", "out/grey.png");
    g_autofree char *out = run_out_text (run);

    g_assert_cmpint (run->status, ==, 1);
    g_assert_cmpuint (count_lines_starting (out, "error: "), >=, 1);
    g_assert_true (g_str_has_prefix (run->err, "qrstudio-cli: "));
    g_assert_nonnull (strstr (run->err, "--force"));
    assert_dir (fixture->out, "");
  }

  /* --force writes it anyway. */
  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu", "--lint", "--force",
                                  "--fg", "#777777", "--bg", "#888888", "-o", "out/grey.png");
    g_autofree char *out = run_out_text (run);

    assert_success (run);
    g_assert_cmpuint (count_lines_starting (out, "error: "), >=, 1);
    assert_dir (fixture->out, "grey.png");
  }

  /* A narrow quiet zone is a warning: written, status 0. */
  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu", "--lint",
                                  "--quiet-zone", "2", "-o", "out/narrow.png");
    g_autofree char *out = run_out_text (run);
    g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

    assert_success (run);
    g_assert_cmpuint (count_lines_starting (out, "warning: "), ==, 1);
    g_assert_cmpuint (count_lines_starting (out, "error: "), ==, 0);
    /* One finding a line, nothing else. */
    for (guint i = 0; lines[i] && lines[i][0]; i++)
      g_assert_true (g_str_has_prefix (lines[i], "warning: ") || g_str_has_prefix (lines[i], "note: "));
    assert_dir (fixture->out, "grey.png narrow.png");
  }

  /* A 10 mm code scanned from 5 m; the findings go to stderr when the
   * image goes to stdout. */
  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu", "--size", "10mm",
                                  "--distance", "5m", "--force", "-o", "-");

    assert_success (run);
    g_assert_nonnull (strstr (run->err, "5.0 m"));
    g_assert_cmpmem (g_bytes_get_data (run->out, NULL), 4, "\x89PNG", 4);
  }

  /* A clean design has nothing to say. */
  {
    g_autoptr(Run) run = run_cli (fixture, "export", "--url", "https://example.edu", "--lint");
    g_autofree char *out = run_out_text (run);

    assert_success (run);
    g_assert_cmpstr (out, ==, "");
  }
}

static void
test_cli_export_info (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(Run) run = run_cli (fixture, "export", "--text", "hello", "--ec", "Q", "--info");
  g_autofree char *out = run_out_text (run);

  assert_success (run);
  g_assert_nonnull (strstr (out, "version: 1\n"));
  g_assert_nonnull (strstr (out, "modules: 21 × 21\n"));
  g_assert_nonnull (strstr (out, "error correction: Q\n"));
  g_assert_nonnull (strstr (out, "capacity used: "));
  g_assert_nonnull (strstr (out, "(5 of "));
  g_assert_nonnull (strstr (out, "image: 1024 × 1024 px\n"));
  assert_dir (fixture->out, "");
}

/* Batch */

static const char batch_csv[] =
  "\xEF\xBB\xBF" "title,type,url,text,wifi-ssid,wifi-password,vcard-name,vcard-phone,format,fg\r\n"
  "Open day,,https://example.edu/open-day,,,,,,,\r\n"
  "\"Quotes \"\"and\"\", commas\",text,,\"Line one\r\nline two, “quoted” ☕\",,,,,svg,#1A5FB4\r\n"
  "\r\n"
  "Library Wi-Fi,,,,\"Lib;rary\",\"pa,ss;word\",,,,\r\n"
  "Bad link,url,javascript:alert(1),,,,,,,\r\n"
  "Ana,,,,,,Ana Pérez,+34 600 000 001 | +34 91 000 0002,,\r\n"
  "Open day,,https://example.edu/open-day#2,,,,,,,\r\n"
  ",,,,,,,,,\r\n"
  "Grüße,,https://example.edu/grüße,,,,,,png,#26A269\r\n";

static void
test_cli_batch (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(Run) run = NULL;
  g_autofree char *out = NULL;
  g_autofree char *dir = g_build_filename (fixture->out, "codes", NULL);
  g_autofree char *expected_wifi = encode_payload (QRS_PAYLOAD_TYPE_WIFI, "ssid", "Lib;rary", "password", "pa,ss;word", NULL);
  g_autofree char *expected_vcard = encode_payload (QRS_PAYLOAD_TYPE_VCARD, "name", "Ana Pérez",
                                                    "phone", "+34 600 000 001", "phone", "+34 91 000 0002", NULL);
  static const struct { const char *file; const char *text; } rows[] = {
    { "Open day.png", "https://example.edu/open-day" },
    { "Open day-2.png", "https://example.edu/open-day#2" },
    { "Grüße.png", "https://example.edu/grüße" },
  };

  write_file (fixture, "codes.csv", batch_csv, -1);
  run = run_cli (fixture, "batch", "in/codes.csv", "-o", "out/codes", "--jobs", "2", "--size", "400");
  out = run_out_text (run);

  g_assert_cmpint (run->status, ==, 1);
  g_assert_cmpstr (out, ==, "6 exported, 1 failed\n");
  /* The bad row, by the number a spreadsheet shows, on one line. */
  g_assert_cmpuint (count_lines_starting (run->err, "row 6: "), ==, 1);
  g_assert_cmpuint (count_lines_starting (run->err, "row "), ==, 1);

  assert_dir (dir, "Ana.png Grüße.png Library Wi-Fi.png Open day-2.png Open day.png Quotes _and_, commas.svg");

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_build_filename (dir, rows[i].file, NULL);
      g_autofree char *expected = encode_payload (QRS_PAYLOAD_TYPE_URL, "url", rows[i].text, NULL);

      assert_decodes_to (path, expected);
    }

  {
    g_autofree char *wifi = g_build_filename (dir, "Library Wi-Fi.png", NULL);
    g_autofree char *vcard = g_build_filename (dir, "Ana.png", NULL);
    g_autofree char *svg = g_build_filename (dir, "Quotes _and_, commas.svg", NULL);
    g_autofree char *svg_png = g_build_filename (fixture->root, "svg.png", NULL);
    const char *rsvg[] = { "rsvg-convert", "-w", "600", "-b", "white", "-o", svg_png, svg, NULL };
    g_autoptr(GBytes) ignored = decode_with (rsvg);

    assert_decodes_to (wifi, expected_wifi);
    assert_decodes_to (vcard, expected_vcard);
    assert_decodes_to (svg_png, "Line one\r\nline two, “quoted” ☕");
  }
}

static void
test_cli_batch_file_names (Fixture       *fixture,
                           gconstpointer  data)
{
  static const char csv[] =
    "url,title,filename\n"
    "https://example.edu/1,../../etc/passwd,\n"
    "https://example.edu/2,,/tmp/absolute.svg\n"
    "https://example.edu/3,..,\n"
    "https://example.edu/4,.hidden,\n"
    "https://example.edu/5,\"a\\b:c*d?e\"\"f<g>h|i\",\n"
    "https://example.edu/6,Title,given name.PNG\n"
    "https://example.edu/7,ETC_PASSWD,\n"
    "https://example.edu/8,-rf,\n";
  g_autofree char *dir = g_build_filename (fixture->out, "names", NULL);

  write_file (fixture, "names.csv", csv, -1);

  {
    g_autoptr(Run) run = run_cli (fixture, "batch", "in/names.csv", "-o", "out/names", "--jobs", "1",
                                  "--size", "200");
    g_autofree char *out = run_out_text (run);

    assert_success (run);
    g_assert_cmpstr (out, ==, "8 exported, 0 failed\n");
  }

  /* Everything inside the folder, nothing hidden, no name twice in any case. */
  assert_dir (dir, "ETC_PASSWD-2.png a_b_c_d_e_f_g_h_i.png etc_passwd.png given name.png hidden.png "
                   "rf.png row-4.png tmp_absolute.svg");
  assert_dir (fixture->out, "names");
  assert_dir (fixture->root, "in out");
}

static void
test_cli_batch_stdin (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char csv[] =
    "Text;Caption;Size;Format\n"
    "one;\"First; code\";300;png\n"
    "two;;300;eps\n";
  const char * const args[] = { "batch", "-", "-o", "out/piped", "--delimiter", ";", "-q", NULL };
  g_autoptr(Run) run = run_cli_with_input (fixture, csv, args);
  g_autofree char *out = run_out_text (run);
  g_autofree char *dir = g_build_filename (fixture->out, "piped", NULL);
  g_autofree char *png = g_build_filename (dir, "row-2.png", NULL);

  assert_success (run);
  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpstr (out, ==, "2 exported, 0 failed\n");
  assert_dir (dir, "row-2.png row-3.eps");
  assert_decodes_to (png, "one");
}

/* The same rows give the same files, on one thread or several. */
static void
test_cli_batch_jobs (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GString) csv = g_string_new ("url,shape,filename\n");
  static const char * const shapes[] = { "square", "dot", "rounded" };

  for (guint i = 0; i < 12; i++)
    g_string_append_printf (csv, "https://example.edu/%u,%s,code-%02u\n", i, shapes[i % 3], i);
  write_file (fixture, "jobs.csv", csv->str, -1);

  {
    g_autoptr(Run) one = run_cli (fixture, "batch", "in/jobs.csv", "-o", "out/one", "--jobs", "1", "--size", "300");
    g_autoptr(Run) four = run_cli (fixture, "batch", "in/jobs.csv", "-o", "out/four", "--jobs", "4", "--size", "300");

    assert_success (one);
    assert_success (four);
  }

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *name = g_strdup_printf ("code-%02u.png", i);
      g_autofree char *a = g_build_filename (fixture->out, "one", name, NULL);
      g_autofree char *b = g_build_filename (fixture->out, "four", name, NULL);
      g_autoptr(GBytes) bytes_a = read_file (a);
      g_autoptr(GBytes) bytes_b = read_file (b);

      g_assert_true (g_bytes_equal (bytes_a, bytes_b));
    }
}

static void
test_cli_batch_lint (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char csv[] =
    "url,fg,bg,quiet-zone,filename\n"
    "https://example.edu/ok,,,,ok\n"
    "https://example.edu/grey,#777777,#888888,,grey\n"
    "https://example.edu/narrow,,,2,narrow\n";
  g_autofree char *dir = g_build_filename (fixture->out, "lint", NULL);

  write_file (fixture, "lint.csv", csv, -1);

  {
    g_autoptr(Run) run = run_cli (fixture, "batch", "in/lint.csv", "-o", "out/lint", "--lint", "--size", "300");
    g_autofree char *out = run_out_text (run);

    g_assert_cmpint (run->status, ==, 1);
    g_assert_cmpstr (out, ==, "2 exported, 1 failed\n");
    g_assert_cmpuint (count_lines_starting (run->err, "row 3: error: "), >=, 1);
    g_assert_cmpuint (count_lines_starting (run->err, "row 4: warning: "), ==, 1);
    assert_dir (dir, "narrow.png ok.png");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  cli_path = argc > 1 ? argv[1] : g_getenv ("QRS_CLI");
  if (cli_path == NULL)
    g_error ("give the path of qrstudio-cli as the first argument or in QRS_CLI");

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/cli/version", test_cli_version);
  ADD ("/cli/help", test_cli_help);
  ADD ("/cli/bad-input", test_cli_bad_input);
  ADD ("/cli/field-messages", test_cli_field_messages);
  ADD ("/cli/export/formats", test_cli_export_formats);
  ADD ("/cli/export/payloads", test_cli_export_payloads);
  ADD ("/cli/export/micro", test_cli_export_micro);
  ADD ("/cli/export/stdout", test_cli_export_stdout);
  ADD ("/cli/export/physical-size", test_cli_export_physical_size);
  ADD ("/cli/export/design", test_cli_export_design);
  ADD ("/cli/export/lint", test_cli_export_lint);
  ADD ("/cli/export/info", test_cli_export_info);
  ADD ("/cli/batch/csv", test_cli_batch);
  ADD ("/cli/batch/file-names", test_cli_batch_file_names);
  ADD ("/cli/batch/stdin", test_cli_batch_stdin);
  ADD ("/cli/batch/jobs", test_cli_batch_jobs);
  ADD ("/cli/batch/lint", test_cli_batch_lint);

#undef ADD

  return g_test_run ();
}
