"""The prefecture schema: halls, their shipped event logs, ticket projection, rollups, ratings, catalogue, users.

Revision ID: 0001_initial
Revises:
"""

from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

#: The additive figures of a rollup row (hall.domain.figures.Tally, as of this revision).
TALLY = """
    issued integer NOT NULL DEFAULT 0, called integer NOT NULL DEFAULT 0, served integer NOT NULL DEFAULT 0,
    no_shows integer NOT NULL DEFAULT 0, cancelled integer NOT NULL DEFAULT 0,
    wait_sum double precision NOT NULL DEFAULT 0, service_count integer NOT NULL DEFAULT 0,
    service_sum double precision NOT NULL DEFAULT 0, rated integer NOT NULL DEFAULT 0,
    unrated integer NOT NULL DEFAULT 0, s1 integer NOT NULL DEFAULT 0, s2 integer NOT NULL DEFAULT 0,
    s3 integer NOT NULL DEFAULT 0, s4 integer NOT NULL DEFAULT 0, s5 integer NOT NULL DEFAULT 0,
    cases_opened integer NOT NULL DEFAULT 0, cases_closed integer NOT NULL DEFAULT 0,
    fu_opened integer NOT NULL DEFAULT 0, fu_closed integer NOT NULL DEFAULT 0,
    fu_overdue integer NOT NULL DEFAULT 0, fu_overdue_closed integer NOT NULL DEFAULT 0,
    wait_hist integer[] NOT NULL DEFAULT array_fill(0, ARRAY[86]),
    service_hist integer[] NOT NULL DEFAULT array_fill(0, ARRAY[86])
"""


def upgrade() -> None:
    op.execute(f"""
    CREATE TABLE halls (
        id serial PRIMARY KEY, code text NOT NULL UNIQUE, name text NOT NULL, name_en text NOT NULL DEFAULT '',
        agency_code text NOT NULL, agency_name text NOT NULL DEFAULT '', region_code text NOT NULL,
        department_code text NOT NULL DEFAULT '', token_hash text NOT NULL UNIQUE,
        active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now(),
        acknowledged bigint NOT NULL DEFAULT 0, last_event_at double precision, last_batch_at timestamptz,
        live jsonb, live_at timestamptz, timezone text NOT NULL DEFAULT 'Asia/Shanghai',
        wait_target_minutes integer NOT NULL DEFAULT 15, catalogue_version integer,
        diverged_at timestamptz, diverged_detail text,
        chain_seq bigint NOT NULL DEFAULT 0, chain_hash text NOT NULL DEFAULT repeat('0', 64),
        chain_problems integer NOT NULL DEFAULT 0
    );
    -- The halls' event logs, stored once per (hall, event id); data as json (kept as sent, cheaper than jsonb).
    CREATE TABLE events (
        hall integer NOT NULL REFERENCES halls(id), id bigint NOT NULL, at double precision NOT NULL,
        type text NOT NULL, ticket bigint, counter integer, staff text, data json NOT NULL,
        PRIMARY KEY (hall, id)
    );
    -- Each ticket's current times and state, rebuilt from its events on ingest.
    CREATE TABLE tickets (
        hall integer NOT NULL REFERENCES halls(id), id bigint NOT NULL, service_day date NOT NULL,
        number text NOT NULL, category text NOT NULL, item_key text NOT NULL, item text, bundle text,
        issued_at double precision NOT NULL, first_called_at double precision, started_at double precision,
        finished_at double precision, state text NOT NULL, counter integer, staff text,
        score smallint, unrated boolean, followup text,
        PRIMARY KEY (hall, id)
    );
    CREATE INDEX tickets_day ON tickets (service_day, hall);
    -- Rollups kept on ingest: per day and item, per month and item, per day and hall.
    CREATE TABLE figures_day (
        day date NOT NULL, hall integer NOT NULL REFERENCES halls(id), category text NOT NULL, item_key text NOT NULL,
        {TALLY}, PRIMARY KEY (day, hall, category, item_key)
    );
    CREATE TABLE figures_month (
        month date NOT NULL, hall integer NOT NULL REFERENCES halls(id), category text NOT NULL,
        item_key text NOT NULL, {TALLY}, PRIMARY KEY (month, hall, category, item_key)
    );
    CREATE TABLE figures_hall_day (
        day date NOT NULL, hall integer NOT NULL REFERENCES halls(id), {TALLY}, PRIMARY KEY (day, hall)
    );
    -- Every rating with its chain link, verified on ingest; the 好差评 export reads this table.
    CREATE TABLE ratings (
        hall integer NOT NULL REFERENCES halls(id), ticket bigint NOT NULL, seq bigint, prev text, hash text,
        score smallint, unrated boolean NOT NULL, counter integer, staff text, device integer,
        reasons jsonb NOT NULL DEFAULT '[]', at double precision NOT NULL, service_day date NOT NULL,
        number text NOT NULL, item_key text NOT NULL, verified boolean NOT NULL, problem text,
        exported_at timestamptz, PRIMARY KEY (hall, ticket)
    );
    CREATE INDEX ratings_day ON ratings (service_day, hall);
    CREATE INDEX ratings_unexported ON ratings (at) WHERE exported_at IS NULL AND NOT unrated;
    CREATE TABLE chain_problems (
        id bigserial PRIMARY KEY, hall integer NOT NULL REFERENCES halls(id), seq bigint, ticket bigint,
        kind text NOT NULL, detail text NOT NULL, found_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX chain_problems_hall ON chain_problems (hall, id);
    -- Names and codes reports need, shipped with the events that mention them (newest wins).
    CREATE TABLE hall_staff (hall integer NOT NULL REFERENCES halls(id), username text NOT NULL,
        display_name text NOT NULL, as_of bigint NOT NULL, PRIMARY KEY (hall, username));
    CREATE TABLE hall_counters (hall integer NOT NULL REFERENCES halls(id), number integer NOT NULL,
        name text NOT NULL, as_of bigint NOT NULL, PRIMARY KEY (hall, number));
    CREATE TABLE hall_items (hall integer NOT NULL REFERENCES halls(id), item_key text NOT NULL,
        category text, name_zh text NOT NULL, name_en text NOT NULL, item_code text, item_version text,
        as_of bigint NOT NULL, PRIMARY KEY (hall, item_key));
    CREATE TABLE hall_categories (hall integer NOT NULL REFERENCES halls(id), code text NOT NULL,
        name_zh text NOT NULL, name_en text NOT NULL, as_of bigint NOT NULL, PRIMARY KEY (hall, code));
    -- The catalogue standard: every published version, whole.
    CREATE TABLE catalogue_versions (
        version integer PRIMARY KEY, published_at timestamptz NOT NULL DEFAULT now(),
        published_by text NOT NULL, note text NOT NULL DEFAULT '', document jsonb NOT NULL
    );
    CREATE TABLE users (
        username text PRIMARY KEY, display_name text NOT NULL, password_hash text NOT NULL,
        roles text[] NOT NULL, active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE sessions (
        token_hash text PRIMARY KEY, username text NOT NULL REFERENCES users(username),
        expires_at timestamptz NOT NULL
    );
    CREATE TABLE audit_log (
        id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL,
        action text NOT NULL, target text NOT NULL DEFAULT '', before jsonb, after jsonb
    );
    CREATE INDEX audit_log_at ON audit_log (at);
    CREATE TABLE rating_exports (
        id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL,
        target text NOT NULL, records integer NOT NULL, status text NOT NULL, detail text NOT NULL DEFAULT ''
    );
    CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    CREATE TRIGGER catalogue_append_only BEFORE UPDATE OR DELETE ON catalogue_versions
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE rating_exports, audit_log, sessions, users, catalogue_versions, hall_categories, hall_items,
        hall_counters, hall_staff, chain_problems, ratings, figures_hall_day, figures_month, figures_day,
        tickets, events, halls;
    DROP FUNCTION refuse_change();
    """)
