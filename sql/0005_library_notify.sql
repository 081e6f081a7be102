-- 0005_library_notify.sql — every desktop's library follows the others:
-- qrstudio_codes tells the redirect daemons only what changes a redirect,
-- while a library also shows titles, tags, designs and codes that redirect
-- nowhere.  So every insert, update and delete of a code notifies
-- qrstudio_library with the code's id; an open library fetches that row
-- again (or drops it).  Notifications go out at commit, and identical ones
-- in a transaction fold into one.
--
-- SPDX-License-Identifier: GPL-3.0-or-later

CREATE FUNCTION public.qrstudio_codes_library_notify ()
  RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('qrstudio_library', OLD.id::text);
  ELSE
    PERFORM pg_notify('qrstudio_library', NEW.id::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER codes_library_notify
  AFTER INSERT OR UPDATE OR DELETE ON public.codes
  FOR EACH ROW EXECUTE FUNCTION public.qrstudio_codes_library_notify ();
