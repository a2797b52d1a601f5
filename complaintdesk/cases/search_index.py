"""The full-text index behind the desk's search box and the API's `q`, kept by the database.

PostgreSQL: a `tsvector` column `cases_case.search_vector` with a GIN index. It is written by
triggers, never by the application, so every way a row arrives (ORM, bulk_create, the COPY of
lib/bulk.py, imports, raw SQL) keeps it right. One configuration, `russian`, reads both
languages: it stems Cyrillic words with the Russian Snowball stemmer and Latin ones with the
English stemmer (its `asciiword` token maps to `english_stem`), so one vector and one index serve
both instead of two. Weights say where a word was: A subject, B text, C messages (replies, the
customer's messages and internal notes), D the customer's name; masked roles search A–C only.

SQLite: an FTS5 table `cases_case_fts` (unicode61 tokenizer, which folds the case of Cyrillic
as well as Latin letters) with the same four columns, kept by triggers. FTS5 has no Russian
stemmer: search.py turns each word into a prefix of its Snowball-like stem instead.

Tables the schema editor rebuilds on SQLite lose their triggers, so `install` runs after every
`migrate` (post_migrate) as well as in the migration; it is idempotent and cheap.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

PG_INSTALL = [
    "ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS search_vector tsvector",
    """
    CREATE OR REPLACE FUNCTION cd_case_search_vector(subject text, body text, messages text,
                                                     name text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT setweight(to_tsvector('russian'::regconfig, coalesce(subject, '')), 'A')
          || setweight(to_tsvector('russian'::regconfig, coalesce(body, '')), 'B')
          || setweight(to_tsvector('russian'::regconfig, coalesce(messages, '')), 'C')
          || setweight(to_tsvector('russian'::regconfig, coalesce(name, '')), 'D')
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION cd_case_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.subject IS NOT DISTINCT FROM OLD.subject
         AND NEW.text IS NOT DISTINCT FROM OLD.text
         AND NEW.customer_id IS NOT DISTINCT FROM OLD.customer_id THEN
        RETURN NEW;
      END IF;
      NEW.search_vector := cd_case_search_vector(
        NEW.subject, NEW.text,
        CASE WHEN TG_OP = 'UPDATE' THEN
          (SELECT string_agg(body, ' ' ORDER BY id) FROM cases_message WHERE case_id = NEW.id)
        END,
        (SELECT name FROM cases_customer WHERE id = NEW.customer_id));
      RETURN NEW;
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER cd_case_search BEFORE INSERT OR UPDATE OF subject, text, customer_id
    ON cases_case FOR EACH ROW EXECUTE FUNCTION cd_case_search_row()
    """,
    """
    CREATE OR REPLACE FUNCTION cd_case_search_refresh(case_ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
      UPDATE cases_case c SET search_vector = cd_case_search_vector(c.subject, c.text,
        (SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM cases_message m WHERE m.case_id = c.id),
        (SELECT cu.name FROM cases_customer cu WHERE cu.id = c.customer_id))
      WHERE c.id = ANY(case_ids)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION cd_message_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM cd_case_search_refresh(ARRAY[NEW.case_id]::bigint[]);
      RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER cd_message_search AFTER INSERT OR UPDATE OF body ON cases_message
    FOR EACH ROW EXECUTE FUNCTION cd_message_search_row()
    """,
    """
    CREATE OR REPLACE FUNCTION cd_customer_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.name IS DISTINCT FROM OLD.name THEN
        PERFORM cd_case_search_refresh(ARRAY(SELECT id FROM cases_case
                                             WHERE customer_id = NEW.id)::bigint[]);
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER cd_customer_search AFTER UPDATE OF name ON cases_customer
    FOR EACH ROW EXECUTE FUNCTION cd_customer_search_row()
    """,
]
PG_BACKFILL = """
UPDATE cases_case c SET search_vector = cd_case_search_vector(c.subject, c.text,
  (SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM cases_message m WHERE m.case_id = c.id),
  cu.name)
FROM cases_customer cu WHERE cu.id = c.customer_id AND c.search_vector IS NULL
"""
PG_INDEX = "CREATE INDEX IF NOT EXISTS case_search_vector ON cases_case USING gin (search_vector)"

SQLITE_INSTALL = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_fts USING fts5(
      subject, body, messages, name, tokenize = 'unicode61 remove_diacritics 2')
    """,
    """
    CREATE TRIGGER IF NOT EXISTS cd_case_fts_insert AFTER INSERT ON cases_case BEGIN
      INSERT INTO cases_case_fts (rowid, subject, body, messages, name)
      VALUES (NEW.id, NEW.subject, NEW.text, '',
              (SELECT name FROM cases_customer WHERE id = NEW.customer_id));
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS cd_case_fts_update AFTER UPDATE OF subject, text, customer_id
    ON cases_case WHEN OLD.subject IS NOT NEW.subject OR OLD.text IS NOT NEW.text
                       OR OLD.customer_id IS NOT NEW.customer_id BEGIN
      UPDATE cases_case_fts SET subject = NEW.subject, body = NEW.text,
        name = (SELECT name FROM cases_customer WHERE id = NEW.customer_id)
      WHERE rowid = NEW.id;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS cd_case_fts_delete AFTER DELETE ON cases_case BEGIN
      DELETE FROM cases_case_fts WHERE rowid = OLD.id;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS cd_message_fts_insert AFTER INSERT ON cases_message BEGIN
      UPDATE cases_case_fts SET messages = (SELECT group_concat(body, ' ') FROM cases_message
                                             WHERE case_id = NEW.case_id)
      WHERE rowid = NEW.case_id;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS cd_message_fts_update AFTER UPDATE OF body ON cases_message BEGIN
      UPDATE cases_case_fts SET messages = (SELECT group_concat(body, ' ') FROM cases_message
                                             WHERE case_id = NEW.case_id)
      WHERE rowid = NEW.case_id;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS cd_customer_fts_update AFTER UPDATE OF name ON cases_customer
    WHEN OLD.name IS NOT NEW.name BEGIN
      UPDATE cases_case_fts SET name = NEW.name
      WHERE rowid IN (SELECT id FROM cases_case WHERE customer_id = NEW.id);
    END
    """,
]
SQLITE_REBUILD = [
    "DELETE FROM cases_case_fts",
    """
    INSERT INTO cases_case_fts (rowid, subject, body, messages, name)
    SELECT c.id, c.subject, c.text,
           coalesce((SELECT group_concat(m.body, ' ') FROM cases_message m
                     WHERE m.case_id = c.id), ''),
           (SELECT cu.name FROM cases_customer cu WHERE cu.id = c.customer_id)
    FROM cases_case c
    """,
]


def install(connection: BaseDatabaseWrapper) -> None:
    """Create (or re-create) the index's column, table, functions and triggers, and fill in
    whatever rows are missing from it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in PG_INSTALL:
                cursor.execute(sql)
            cursor.execute(PG_BACKFILL)
            filled = cursor.rowcount
            cursor.execute(PG_INDEX)
            if filled > 0:
                # Without statistics on the new column the planner guesses every word rare and
                # walks the GIN index for a word in most cases: 3 s instead of 18 ms at 1M.
                cursor.execute("ANALYZE cases_case")
        elif connection.vendor == "sqlite":
            for sql in SQLITE_INSTALL:
                cursor.execute(sql)
            cursor.execute("SELECT (SELECT count(*) FROM cases_case_fts), "
                           "(SELECT count(*) FROM cases_case)")
            indexed, cases = cursor.fetchone()
            if indexed != cases:  # triggers were dropped by a table rebuild meanwhile
                for sql in SQLITE_REBUILD:
                    cursor.execute(sql)
