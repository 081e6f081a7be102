-- 0006_scans_notify_codes.sql — qrstudio_scans says which codes were
-- scanned: the ids of the codes whose daily rollups a statement wrote,
-- comma-separated, so an open chart redraws only when it is concerned.
-- A batch's upsert of scan_daily inserts some rows and updates others;
-- a transition table belongs to one event, so each event has its trigger.
-- A payload must stay under 8000 bytes: past that it is left empty,
-- which listeners take as "reload everything".
--
-- SPDX-License-Identifier: GPL-3.0-or-later

DROP TRIGGER scan_daily_notify ON public.scan_daily;
DROP FUNCTION public.qrstudio_scan_daily_notify ();

CREATE FUNCTION public.qrstudio_scan_daily_notify_codes ()
  RETURNS trigger
  LANGUAGE plpgsql
AS $$
DECLARE
  ids text;
BEGIN
  SELECT string_agg(DISTINCT code_id::text, ',') INTO ids FROM changed;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  IF octet_length(ids) > 7900 THEN
    ids := '';
  END IF;
  PERFORM pg_notify('qrstudio_scans', ids);
  RETURN NULL;
END
$$;

CREATE TRIGGER scan_daily_notify_inserted
  AFTER INSERT ON public.scan_daily
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION public.qrstudio_scan_daily_notify_codes ();

CREATE TRIGGER scan_daily_notify_updated
  AFTER UPDATE ON public.scan_daily
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION public.qrstudio_scan_daily_notify_codes ();
