-- 0007_library_sort_indexes.sql — the library sorts by title and filters
-- by tag over every code (qrs_code_store_list_page): with (lower(title),
-- id) indexed, any page by title is a walk along the index instead of a
-- sort of the whole table, and a tag filter finds its codes through GIN
-- instead of reading every row's tags.
--
-- SPDX-License-Identifier: GPL-3.0-or-later

CREATE INDEX codes_title_idx ON public.codes (lower(title), id);
CREATE INDEX codes_tags_idx ON public.codes USING gin (tags);
