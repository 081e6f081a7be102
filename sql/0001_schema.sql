-- 0001_schema.sql — codes, logo assets, the audit trail, scans and their
-- daily rollup.
--
-- Forward-only: never edit a migration that has shipped; add the next one.
-- The store applies each file in its own transaction and records it in
-- schema_migrations, which the migration runner itself creates.
--
-- Every object lives in the schema "public" of a database that belongs to
-- QR Studio alone; the SECURITY DEFINER functions pin that search path.
--
-- SPDX-License-Identifier: GPL-3.0-or-later

-- unaccent is a trusted extension: the owner of the database may create it
-- without being a superuser.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- Full-text search: one configuration per language, both folding accents
-- before stemming.  A document is indexed under both, and a query is the
-- union of both readings, so "canciones", "cancion" and "canción" meet,
-- and so do "opening" and "open", whatever language the title is in.
-- (One configuration cannot do it: a stemmer always answers, so a second
-- stemmer in the same mapping would never be consulted.)
CREATE TEXT SEARCH CONFIGURATION public.qrstudio_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION public.qrstudio_english
  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
  WITH public.unaccent, pg_catalog.english_stem;

CREATE TEXT SEARCH CONFIGURATION public.qrstudio_spanish (COPY = pg_catalog.spanish);
ALTER TEXT SEARCH CONFIGURATION public.qrstudio_spanish
  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
  WITH public.unaccent, pg_catalog.spanish_stem;

-- The search document of a code.  A generated column needs an immutable
-- expression; array_to_string() is only stable (it could call any type's
-- output function), but on text[] it is not, hence this wrapper.  The
-- configurations arrive as regconfig arguments resolved when the column is
-- created, so the function does not depend on the caller's search_path.
CREATE FUNCTION public.qrstudio_search_document (english regconfig,
                                                 spanish regconfig,
                                                 title text,
                                                 tags text[],
                                                 description text,
                                                 encoded text,
                                                 target_url text)
  RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog
AS $$
  SELECT setweight(to_tsvector(english, coalesce(title, '')), 'A')
      || setweight(to_tsvector(spanish, coalesce(title, '')), 'A')
      || setweight(to_tsvector(english, coalesce(array_to_string(tags, ' '), '')), 'B')
      || setweight(to_tsvector(spanish, coalesce(array_to_string(tags, ' '), '')), 'B')
      || setweight(to_tsvector(english, coalesce(description, '')), 'C')
      || setweight(to_tsvector(spanish, coalesce(description, '')), 'C')
      || setweight(to_tsvector(english, coalesce(encoded, '') || ' ' || coalesce(target_url, '')), 'D')
      || setweight(to_tsvector(spanish, coalesce(encoded, '') || ' ' || coalesce(target_url, '')), 'D')
$$;

-- Logos, shared by every desktop.  The key is the content's SHA-256, so
-- the same file uploaded twice is stored once, and the constraint proves
-- the key matches the bytes.
CREATE TABLE public.assets (
  sha256      bytea       PRIMARY KEY,
  media_type  text        NOT NULL,
  data        bytea       NOT NULL,
  byte_size   integer     GENERATED ALWAYS AS (octet_length(data)) STORED,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text        NOT NULL DEFAULT current_user,
  CONSTRAINT assets_sha256_matches CHECK (sha256 = sha256(data)),
  CONSTRAINT assets_media_type_image CHECK (media_type ~ '^image/[a-z0-9][a-z0-9.+-]*$'),
  CONSTRAINT assets_size_limit CHECK (octet_length(data) BETWEEN 1 AND 2097152)
);
-- Images are compressed already: keep them out of line, uncompressed.
ALTER TABLE public.assets ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE public.codes (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  short_id         text        UNIQUE,
  kind             text        NOT NULL,
  payload_type     text        NOT NULL,
  payload          jsonb       NOT NULL DEFAULT '{}',
  encoded          text        NOT NULL DEFAULT '',
  target_url       text,
  design           jsonb       NOT NULL DEFAULT '{}',
  logo_sha256      bytea       REFERENCES public.assets (sha256) ON DELETE RESTRICT,
  title            text        NOT NULL DEFAULT '',
  description      text        NOT NULL DEFAULT '',
  tags             text[]      NOT NULL DEFAULT '{}',
  enabled          boolean     NOT NULL DEFAULT true,
  expires_at       timestamptz,
  utm_passthrough  boolean     NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       text        NOT NULL DEFAULT current_user,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  updated_by       text        NOT NULL DEFAULT current_user,
  -- Optimistic concurrency: a trigger adds one on every update, and the
  -- store updates "WHERE version = the version I read".
  version          integer     NOT NULL DEFAULT 1,
  search           tsvector    GENERATED ALWAYS AS (
                     public.qrstudio_search_document ('public.qrstudio_english',
                                                      'public.qrstudio_spanish',
                                                      title, tags, description,
                                                      encoded, target_url)) STORED,
  CONSTRAINT codes_kind CHECK (kind IN ('static', 'dynamic')),
  CONSTRAINT codes_payload_type CHECK (payload_type ~ '^[a-z][a-z0-9_-]{0,31}$'),
  CONSTRAINT codes_short_id_format CHECK (short_id ~ '^[A-Za-z0-9_-]{4,32}$'),
  -- The redirect daemon puts this into a Location header: http or https
  -- only, with a host, no white space or control characters (no header
  -- splitting), and short enough for every browser.
  CONSTRAINT codes_target_url_http CHECK (target_url ~* '^https?://[^/?#[:space:][:cntrl:]]+([/?#][^[:space:][:cntrl:]]*)?$'),
  CONSTRAINT codes_target_url_length CHECK (octet_length(target_url) <= 2048),
  CONSTRAINT codes_kind_fields CHECK (
    CASE kind
      WHEN 'dynamic' THEN short_id IS NOT NULL AND target_url IS NOT NULL
      ELSE short_id IS NULL AND target_url IS NULL
    END),
  CONSTRAINT codes_title_length CHECK (char_length(title) <= 500),
  CONSTRAINT codes_description_length CHECK (char_length(description) <= 10000),
  CONSTRAINT codes_tags_count CHECK (cardinality(tags) <= 50),
  CONSTRAINT codes_encoded_length CHECK (octet_length(encoded) <= 7089),
  CONSTRAINT codes_version_positive CHECK (version > 0)
);

CREATE INDEX codes_search_idx ON public.codes USING gin (search);
CREATE INDEX codes_created_at_idx ON public.codes (created_at);
CREATE INDEX codes_updated_at_idx ON public.codes (updated_at);
CREATE INDEX codes_logo_sha256_idx ON public.codes (logo_sha256) WHERE logo_sha256 IS NOT NULL;

-- Who and when are the database's to say, not the client's.
CREATE FUNCTION public.qrstudio_codes_stamp ()
  RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_at := now();
    NEW.created_by := current_user;
    NEW.version := 1;
  ELSE
    NEW.created_at := OLD.created_at;
    NEW.created_by := OLD.created_by;
    NEW.version := OLD.version + 1;
  END IF;
  NEW.updated_at := now();
  NEW.updated_by := current_user;
  RETURN NEW;
END
$$;

CREATE TRIGGER codes_stamp
  BEFORE INSERT OR UPDATE ON public.codes
  FOR EACH ROW EXECUTE FUNCTION public.qrstudio_codes_stamp ();

-- The audit trail of what changes a redirect: created, deleted, and every
-- change of target, short id, enabled or expiry.
CREATE TABLE public.code_events (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code_id         bigint      NOT NULL,
  short_id        text,
  action          text        NOT NULL,
  happened_at     timestamptz NOT NULL DEFAULT now(),
  actor           text        NOT NULL DEFAULT current_user,
  old_target_url  text,
  new_target_url  text,
  old_enabled     boolean,
  new_enabled     boolean,
  old_expires_at  timestamptz,
  new_expires_at  timestamptz,
  CONSTRAINT code_events_action CHECK (action IN ('create', 'update', 'delete'))
);
-- No foreign key to codes: the trail must outlive the code it describes.
CREATE INDEX code_events_code_idx ON public.code_events (code_id, happened_at);

-- Editors may insert into the trail (the audit trigger runs as them) but
-- not choose who or when.
CREATE FUNCTION public.qrstudio_code_events_stamp ()
  RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  NEW.happened_at := now();
  NEW.actor := current_user;
  RETURN NEW;
END
$$;

CREATE TRIGGER code_events_stamp
  BEFORE INSERT ON public.code_events
  FOR EACH ROW EXECUTE FUNCTION public.qrstudio_code_events_stamp ();

CREATE FUNCTION public.qrstudio_codes_audit ()
  RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.code_events (code_id, short_id, action,
                                    new_target_url, new_enabled, new_expires_at)
    VALUES (NEW.id, NEW.short_id, 'create',
            NEW.target_url, NEW.enabled, NEW.expires_at);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO public.code_events (code_id, short_id, action,
                                    old_target_url, old_enabled, old_expires_at)
    VALUES (OLD.id, OLD.short_id, 'delete',
            OLD.target_url, OLD.enabled, OLD.expires_at);
  ELSIF (OLD.target_url, OLD.enabled, OLD.expires_at, OLD.short_id)
        IS DISTINCT FROM (NEW.target_url, NEW.enabled, NEW.expires_at, NEW.short_id) THEN
    INSERT INTO public.code_events (code_id, short_id, action,
                                    old_target_url, new_target_url,
                                    old_enabled, new_enabled,
                                    old_expires_at, new_expires_at)
    VALUES (NEW.id, NEW.short_id, 'update',
            OLD.target_url, NEW.target_url,
            OLD.enabled, NEW.enabled,
            OLD.expires_at, NEW.expires_at);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER codes_audit
  AFTER INSERT OR UPDATE OR DELETE ON public.codes
  FOR EACH ROW EXECUTE FUNCTION public.qrstudio_codes_audit ();

-- Every redirect daemon LISTENs on qrstudio_codes and reloads the route
-- named in the payload.  Notifications are sent at commit, and identical
-- ones in a transaction are folded into one.
CREATE FUNCTION public.qrstudio_codes_notify ()
  RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.short_id IS NOT NULL THEN
      PERFORM pg_notify('qrstudio_codes', OLD.short_id);
    END IF;
    RETURN NULL;
  END IF;

  IF TG_OP = 'UPDATE' THEN
    IF (OLD.short_id, OLD.kind, OLD.target_url, OLD.enabled, OLD.expires_at, OLD.utm_passthrough)
       IS NOT DISTINCT FROM
       (NEW.short_id, NEW.kind, NEW.target_url, NEW.enabled, NEW.expires_at, NEW.utm_passthrough) THEN
      RETURN NULL;
    END IF;
    -- A renamed or retired short id must stop redirecting.
    IF OLD.short_id IS NOT NULL AND OLD.short_id IS DISTINCT FROM NEW.short_id THEN
      PERFORM pg_notify('qrstudio_codes', OLD.short_id);
    END IF;
  END IF;

  IF NEW.short_id IS NOT NULL THEN
    PERFORM pg_notify('qrstudio_codes', NEW.short_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER codes_notify
  AFTER INSERT OR UPDATE OR DELETE ON public.codes
  FOR EACH ROW EXECUTE FUNCTION public.qrstudio_codes_notify ();

-- Scans.  No foreign key to codes, on purpose:
--  * ingest stays an append (no lookup per row, no lock on the code);
--  * on Citus, scans and the rollups are distributed by code_id while
--    codes may stay a local or reference table;
--  * code ids come from an identity and are never reused, so a scan that
--    arrives after its code was deleted can never be counted for another.
-- The unique key makes a replayed scan harmless.  A unique index on a
-- partitioned table must contain the partition key (scanned_at), and on
-- Citus also the distribution column (code_id); a replay repeats all three,
-- and in this order the index also serves every per-code time range.
CREATE TABLE public.scans (
  event_id         uuid        NOT NULL,
  code_id          bigint      NOT NULL,
  scanned_at       timestamptz NOT NULL,
  user_agent       text        NOT NULL DEFAULT '',
  device           text,
  os               text,
  os_version       text,
  browser          text,
  browser_version  text,
  is_bot           boolean     NOT NULL DEFAULT false,
  referrer_host    text,
  language         text,
  visitor_hash     bytea,
  CONSTRAINT scans_event_unique UNIQUE (code_id, scanned_at, event_id)
) PARTITION BY RANGE (scanned_at);

-- Scans arrive in time order, so a BRIN index answers "all codes, this
-- month" at a fraction of a B-tree's size.
CREATE INDEX scans_scanned_at_brin ON public.scans USING brin (scanned_at);

-- One partition per calendar month in UTC, named scans_yYYYYmMM.  Runs as
-- the owner of scans so that the daemon may create partitions without
-- owning the table; the lock keeps two daemons from racing.
CREATE FUNCTION public.qrstudio_ensure_scan_partitions (from_time timestamptz,
                                                        to_time timestamptz)
  RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET timezone = 'UTC'
  SET datestyle = 'ISO'
AS $$
DECLARE
  month_start timestamptz;
  month_end   timestamptz;
  part_name   text;
  created     integer := 0;
BEGIN
  IF from_time IS NULL OR to_time IS NULL OR to_time < from_time THEN
    RETURN 0;
  END IF;
  IF to_time - from_time > interval '10 years' THEN
    RAISE EXCEPTION 'refusing to create scan partitions for more than ten years (% to %)',
                    from_time, to_time
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  month_start := date_trunc('month', from_time);
  WHILE month_start <= to_time LOOP
    month_end := month_start + interval '1 month';
    part_name := 'scans_' || to_char(month_start, '"y"YYYY"m"MM');
    IF to_regclass('public.' || quote_ident(part_name)) IS NULL THEN
      -- Only creating takes the lock.  Another session may have created
      -- the partition while we waited, which this transaction's catalog
      -- cache need not know yet: then CREATE finds it.
      PERFORM pg_advisory_xact_lock(hashtext('qrstudio_ensure_scan_partitions'));
      BEGIN
        EXECUTE format('CREATE TABLE public.%I PARTITION OF public.scans FOR VALUES FROM (%L) TO (%L)',
                       part_name, month_start, month_end);
        created := created + 1;
      EXCEPTION
        WHEN duplicate_table THEN
          NULL;
      END;
    END IF;
    month_start := month_end;
  END LOOP;
  RETURN created;
END
$$;

-- What the daemon calls now and then: this month and the next ones.
CREATE FUNCTION public.qrstudio_ensure_scan_partitions (ahead interval DEFAULT interval '3 months')
  RETURNS integer
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT public.qrstudio_ensure_scan_partitions (now(), now() + ahead)
$$;

-- Per code and UTC day.  scans counts people, bots counts the rest;
-- visitors counts distinct visitor hashes among the people.  The daemon's
-- salt rotates daily, so a visitor is only recognisable within one day and
-- the visitors of a range are the sum of its days (visitor-days).
CREATE TABLE public.scan_daily (
  code_id   bigint NOT NULL,
  day       date   NOT NULL,
  scans     bigint NOT NULL DEFAULT 0,
  visitors  bigint NOT NULL DEFAULT 0,
  bots      bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (code_id, day)
);
CREATE INDEX scan_daily_day_idx ON public.scan_daily (day);

-- The visitor hashes already counted for a code and day, so that counting
-- stays exact as batches arrive.  Only recent days matter (the salt
-- rotates), so old rows can be pruned.
CREATE TABLE public.scan_visitors (
  code_id       bigint NOT NULL,
  day           date   NOT NULL,
  visitor_hash  bytea  NOT NULL,
  PRIMARY KEY (code_id, day, visitor_hash)
);

CREATE FUNCTION public.qrstudio_prune_scan_visitors (keep interval DEFAULT interval '7 days')
  RETURNS bigint
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH gone AS (
    DELETE FROM public.scan_visitors
     WHERE day < (now() AT TIME ZONE 'UTC')::date - keep
    RETURNING 1)
  SELECT count(*) FROM gone
$$;

-- Recount the rollups of a range of days from the scans themselves, e.g.
-- after the user agents were classified again.
CREATE FUNCTION public.qrstudio_rebuild_scan_daily (first_day date, last_day date)
  RETURNS bigint
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  DELETE FROM public.scan_daily WHERE day BETWEEN first_day AND last_day;
  DELETE FROM public.scan_visitors WHERE day BETWEEN first_day AND last_day;

  INSERT INTO public.scan_visitors (code_id, day, visitor_hash)
  SELECT DISTINCT code_id, (scanned_at AT TIME ZONE 'UTC')::date, visitor_hash
    FROM public.scans
   WHERE scanned_at >= first_day::timestamp AT TIME ZONE 'UTC'
     AND scanned_at < (last_day + 1)::timestamp AT TIME ZONE 'UTC'
     AND NOT is_bot AND visitor_hash IS NOT NULL;

  INSERT INTO public.scan_daily (code_id, day, scans, visitors, bots)
  SELECT code_id, (scanned_at AT TIME ZONE 'UTC')::date AS day,
         count(*) FILTER (WHERE NOT is_bot),
         count(DISTINCT visitor_hash) FILTER (WHERE NOT is_bot),
         count(*) FILTER (WHERE is_bot)
    FROM public.scans
   WHERE scanned_at >= first_day::timestamp AT TIME ZONE 'UTC'
     AND scanned_at < (last_day + 1)::timestamp AT TIME ZONE 'UTC'
   GROUP BY 1, 2;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- Open analytics views redraw when new scans land.
CREATE FUNCTION public.qrstudio_scan_daily_notify ()
  RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('qrstudio_scans', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER scan_daily_notify
  AFTER INSERT OR UPDATE ON public.scan_daily
  FOR EACH STATEMENT EXECUTE FUNCTION public.qrstudio_scan_daily_notify ();

-- Partitions for the current month and the next three from the start.
SELECT public.qrstudio_ensure_scan_partitions ();
