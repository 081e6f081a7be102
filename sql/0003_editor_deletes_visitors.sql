-- 0003_editor_deletes_visitors.sql — deleting a code removes its visitor
-- hashes too, and DELETE … WHERE code_id = … must read that column.
--
-- SPDX-License-Identifier: GPL-3.0-or-later

GRANT SELECT (code_id) ON public.scan_visitors TO qrstudio_editor;
