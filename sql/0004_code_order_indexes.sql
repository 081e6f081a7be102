-- 0004_code_order_indexes.sql — lists and broad searches read codes newest
-- first with the id as tie-breaker (ORDER BY updated_at DESC, id DESC …
-- LIMIT 50): with the id in the index that is a walk along it that stops
-- after one page, instead of sorting every match.
--
-- SPDX-License-Identifier: GPL-3.0-or-later

DROP INDEX public.codes_updated_at_idx;
DROP INDEX public.codes_created_at_idx;
CREATE INDEX codes_updated_at_idx ON public.codes (updated_at, id);
CREATE INDEX codes_created_at_idx ON public.codes (created_at, id);
