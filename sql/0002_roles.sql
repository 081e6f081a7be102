-- 0002_roles.sql — the three group roles and what each may do.
--
--   qrstudio_editor      the desktop app and qrstudio-cli: read everything,
--                        write codes and logos, delete a code's scans
--   qrstudio_viewer      read-only: browse codes, see the charts
--   qrstudio_redirector  qrstudio-redirectd: read the routes, record scans
--                        and their rollups, create scan partitions
--
-- They are NOLOGIN groups: an administrator creates login roles and makes
-- them members (docs/admin-guide.md).  Roles belong to the whole server,
-- so a second QR Studio database on the same server finds them in place.
--
-- SPDX-License-Identifier: GPL-3.0-or-later

DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['qrstudio_editor', 'qrstudio_viewer', 'qrstudio_redirector'] LOOP
    CONTINUE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name);
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
    EXCEPTION
      -- another database on this server is being migrated at this moment
      WHEN duplicate_object OR unique_violation THEN
        NULL;
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'the role % does not exist and % may not create roles', role_name, current_user
          USING HINT = format('Ask a superuser to run CREATE ROLE %I NOLOGIN, then migrate again.', role_name),
                ERRCODE = 'insufficient_privilege';
    END;
  END LOOP;
END
$$;

-- PUBLIC may connect and create temporary tables by default; say it for
-- our roles in case an administrator tightened the defaults.  Only the
-- database's owner may grant this, so a migration run by another role
-- relies on the defaults.
DO $$
BEGIN
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO qrstudio_editor, qrstudio_viewer, qrstudio_redirector',
                 current_database());
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE NOTICE 'not the owner of database %: CONNECT and TEMPORARY left to its defaults', current_database();
END
$$;

GRANT USAGE ON SCHEMA public TO qrstudio_editor, qrstudio_viewer, qrstudio_redirector;

-- Functions are executable by PUBLIC unless said otherwise.
REVOKE ALL ON FUNCTION public.qrstudio_ensure_scan_partitions (timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.qrstudio_ensure_scan_partitions (interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.qrstudio_prune_scan_visitors (interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.qrstudio_rebuild_scan_daily (date, date) FROM PUBLIC;

-- Everyone checks the schema version before anything else.
GRANT SELECT ON public.schema_migrations
  TO qrstudio_editor, qrstudio_viewer, qrstudio_redirector;

-- The viewer reads what the app shows.
GRANT SELECT ON public.codes, public.assets, public.code_events,
                public.scans, public.scan_daily
  TO qrstudio_viewer;

-- The editor reads the same, edits codes and logos, and removes a deleted
-- code's scans.  The audit trigger runs as the editor, hence INSERT on
-- code_events (a trigger stamps who and when; nobody may UPDATE or DELETE).
GRANT SELECT ON public.codes, public.assets, public.code_events,
                public.scans, public.scan_daily
  TO qrstudio_editor;
GRANT INSERT, UPDATE, DELETE ON public.codes TO qrstudio_editor;
GRANT INSERT, DELETE ON public.assets TO qrstudio_editor;
GRANT INSERT ON public.code_events TO qrstudio_editor;
GRANT DELETE ON public.scans, public.scan_daily, public.scan_visitors TO qrstudio_editor;
GRANT EXECUTE ON FUNCTION public.qrstudio_ensure_scan_partitions (timestamptz, timestamptz),
                          public.qrstudio_ensure_scan_partitions (interval)
  TO qrstudio_editor;

-- The redirector reads routes: these columns of codes and nothing else
-- (no payloads, designs or titles).
GRANT SELECT (id, short_id, kind, target_url, enabled, expires_at, utm_passthrough,
              version, updated_at)
  ON public.codes TO qrstudio_redirector;

-- It appends scans.  Ingest inserts with RETURNING to roll up exactly the
-- rows that were new, which needs SELECT on the returned columns.
GRANT INSERT ON public.scans TO qrstudio_redirector;
GRANT SELECT (code_id, scanned_at, is_bot, visitor_hash) ON public.scans TO qrstudio_redirector;

-- It keeps the rollups.
GRANT SELECT, INSERT ON public.scan_daily, public.scan_visitors TO qrstudio_redirector;
GRANT UPDATE (scans, visitors, bots) ON public.scan_daily TO qrstudio_redirector;

GRANT EXECUTE ON FUNCTION public.qrstudio_ensure_scan_partitions (timestamptz, timestamptz),
                          public.qrstudio_ensure_scan_partitions (interval),
                          public.qrstudio_prune_scan_visitors (interval)
  TO qrstudio_redirector;
