"""Schema migrations, numbered; applied in order by `onewindow db upgrade` and at start-up."""

from __future__ import annotations

import sqlite_utils

migrations = sqlite_utils.Migrations("onewindow")


@migrations(name="0001_initial")
def m0001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE categories (
            code TEXT PRIMARY KEY, letter TEXT NOT NULL UNIQUE,
            name_zh TEXT NOT NULL, name_en TEXT NOT NULL, position INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE service_items (
            code TEXT PRIMARY KEY, category TEXT NOT NULL REFERENCES categories(code),
            name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('instant', 'reviewed')),
            time_limit_days INTEGER NOT NULL DEFAULT 0,
            avg_service_minutes REAL NOT NULL DEFAULT 8,
            guide TEXT NOT NULL DEFAULT '{}',
            active INTEGER NOT NULL DEFAULT 1, position INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE bundles (
            code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '{}', active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE bundle_items (
            bundle TEXT NOT NULL REFERENCES bundles(code), item TEXT NOT NULL REFERENCES service_items(code),
            position INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (bundle, item)
        );
        CREATE TABLE staff (
            username TEXT PRIMARY KEY, display_name TEXT NOT NULL, roles TEXT NOT NULL,
            password_hash TEXT NOT NULL, counter INTEGER, active INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL
        );
        CREATE TABLE counters (
            number INTEGER PRIMARY KEY, name TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open', state_since REAL NOT NULL DEFAULT 0,
            pause_reason TEXT, current_ticket INTEGER, staff TEXT REFERENCES staff(username),
            dedicated_category TEXT REFERENCES categories(code)
        );
        CREATE TABLE counter_items (
            counter INTEGER NOT NULL REFERENCES counters(number), item TEXT NOT NULL REFERENCES service_items(code),
            PRIMARY KEY (counter, item)
        );
        CREATE TABLE devices (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, counter INTEGER REFERENCES counters(number),
            name TEXT NOT NULL DEFAULT '', token_hash TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL, active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE api_tokens (
            token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES staff(username),
            created_at REAL NOT NULL, expires_at REAL NOT NULL
        );
        CREATE TABLE number_sequences (
            service_day TEXT NOT NULL, letter TEXT NOT NULL, last INTEGER NOT NULL,
            PRIMARY KEY (service_day, letter)
        );
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE,
            number TEXT NOT NULL, service_day TEXT NOT NULL,
            category TEXT NOT NULL REFERENCES categories(code),
            item TEXT REFERENCES service_items(code), bundle TEXT REFERENCES bundles(code),
            priority INTEGER NOT NULL DEFAULT 0, appointment TEXT, kiosk TEXT,
            state TEXT NOT NULL, issued_at REAL NOT NULL, queue_at REAL NOT NULL,
            target_counter INTEGER, target_category TEXT,
            counter INTEGER, staff TEXT, recall_count INTEGER NOT NULL DEFAULT 0,
            first_called_at REAL, called_at REAL, started_at REAL, finished_at REAL,
            estimated_wait_minutes INTEGER NOT NULL DEFAULT 0, people_ahead INTEGER NOT NULL DEFAULT 0,
            UNIQUE (service_day, number)
        );
        CREATE INDEX tickets_state ON tickets (state, service_day);
        CREATE INDEX tickets_day ON tickets (service_day);
        CREATE TABLE ticket_items (
            ticket INTEGER NOT NULL REFERENCES tickets(id), item TEXT NOT NULL REFERENCES service_items(code),
            PRIMARY KEY (ticket, item)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, type TEXT NOT NULL,
            ticket INTEGER REFERENCES tickets(id), counter INTEGER, staff TEXT,
            data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_ticket ON events (ticket);
        CREATE INDEX events_at ON events (at);
        CREATE TABLE ratings (
            ticket INTEGER PRIMARY KEY REFERENCES tickets(id), score INTEGER CHECK (score BETWEEN 1 AND 5),
            reasons TEXT NOT NULL DEFAULT '[]', counter INTEGER, staff TEXT, device INTEGER REFERENCES devices(id),
            at REAL NOT NULL, unrated INTEGER NOT NULL DEFAULT 0
        );
        -- The log is append-only: refuse edits and deletions at the database itself.
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER ratings_no_update BEFORE UPDATE ON ratings
            BEGIN SELECT RAISE(ABORT, 'a rating cannot be changed'); END;
        """
    )


@migrations(name="0101_console_audit_and_report_index")
def m0101_console_audit_and_report_index(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, actor TEXT NOT NULL,
            action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '',
            before TEXT, after TEXT
        );
        CREATE INDEX audit_log_at ON audit_log (at);
        CREATE INDEX audit_log_actor ON audit_log (actor, at);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        -- Reports read the per-ticket times of a date range straight from this covering index.
        CREATE INDEX tickets_report ON tickets (service_day, issued_at, first_called_at, started_at, finished_at,
                                               state, category, item, bundle, counter, staff);
        """
    )


@migrations(name="0301_appointments")
def m0301_appointments(db: sqlite_utils.Database) -> None:
    """Appointments (预约): a ticket booked for a time slot, checked in at a kiosk by its code."""
    db.executescript(
        """
        CREATE TABLE appointments (
            code TEXT PRIMARY KEY, service_day TEXT NOT NULL,
            item TEXT REFERENCES service_items(code), bundle TEXT REFERENCES bundles(code),
            slot_start REAL NOT NULL, slot_end REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'booked' CHECK (state IN ('booked', 'checked_in', 'cancelled')),
            ticket INTEGER REFERENCES tickets(id), created_at REAL NOT NULL, created_by TEXT,
            checked_in_at REAL,
            CHECK ((item IS NULL) != (bundle IS NULL)), CHECK (slot_end > slot_start)
        );
        CREATE INDEX appointments_day ON appointments (service_day, slot_start);
        """
    )


@migrations(name="0601_rating_followups")
def m0601_rating_followups(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        -- The follow-up (回访整改) of a rating of 1 or 2: opened with the rating, in the same transaction.
        CREATE TABLE followups (
            id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL UNIQUE REFERENCES ratings(ticket),
            number TEXT NOT NULL, score INTEGER NOT NULL, reasons TEXT NOT NULL DEFAULT '[]',
            counter INTEGER, staff TEXT, opened_at REAL NOT NULL, due_day TEXT NOT NULL, due_at REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'appealed', 'closed', 'voided')),
            callback_date TEXT, callback_contact TEXT, callback_said TEXT, callback_by TEXT, callback_at REAL,
            rectification TEXT, rectified_by TEXT, rectified_at REAL,
            appeal_reason TEXT, appeal_by TEXT, appeal_at REAL,
            decision TEXT, decision_note TEXT, decided_by TEXT, decided_at REAL,
            close_note TEXT, closed_by TEXT, closed_at REAL, closed_in_time INTEGER,
            overdue_flagged_at REAL
        );
        CREATE INDEX followups_state ON followups (state, due_at);
        CREATE TRIGGER followups_no_delete BEFORE DELETE ON followups
            BEGIN SELECT RAISE(ABORT, 'a follow-up is never deleted'); END;
        """
    )


@migrations(name="0701_backoffice_cases")
def m0701_backoffice_cases(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        -- A reviewed item accepted at a counter (受理) becomes a back-office case: reviewed and approved by
        -- back-office staff other than the clerk who accepted it (受办分离), then delivered at any counter.
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL REFERENCES tickets(id),
            item TEXT NOT NULL REFERENCES service_items(code), number TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('accepted', 'reviewed', 'approved', 'rejected', 'delivered')),
            accepted_by TEXT, accepted_at REAL NOT NULL, counter INTEGER, due_day TEXT NOT NULL,
            reviewed_by TEXT, reviewed_at REAL, review_note TEXT,
            approved_by TEXT, approved_at REAL, approval_note TEXT,
            delivered_by TEXT, delivered_at REAL, delivered_counter INTEGER,
            UNIQUE (ticket, item)
        );
        CREATE INDEX cases_state ON cases (state, due_day);
        CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases BEGIN SELECT RAISE(ABORT, 'a case is never deleted'); END;
        """
    )


@migrations(name="0801_shared_process_state")
def m0801_shared_process_state(db: sqlite_utils.Database) -> None:
    """What several server processes on one database must share, and indexes that bound per-call work."""
    db.executescript(
        """
        -- Version counters, bumped by triggers: a process re-reads settings or the catalogue only when they changed.
        CREATE TABLE hall_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 0);
        INSERT INTO hall_versions (name, version) VALUES ('settings', 1), ('catalogue', 1);
        CREATE TRIGGER settings_version_insert AFTER INSERT ON settings
            BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'settings'; END;
        CREATE TRIGGER settings_version_update AFTER UPDATE ON settings
            BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'settings'; END;
        CREATE TRIGGER settings_version_delete AFTER DELETE ON settings
            BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'settings'; END;
        """
    )
    for table in ("categories", "service_items", "bundles", "bundle_items", "counter_items"):
        for when in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_version_{when.lower()} AFTER {when} ON {table} "
                       "BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'catalogue'; END")
    for when, columns in (("INSERT", ""), ("DELETE", ""), ("UPDATE", " OF name, dedicated_category")):
        db.execute(f"CREATE TRIGGER counters_version_{when.lower()} AFTER {when}{columns} ON counters "
                   "BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'catalogue'; END")
    db.executescript(
        """
        -- The last state of every device, whichever process owns it; the console of any process reads it.
        CREATE TABLE device_status (
            device TEXT PRIMARY KEY, state TEXT NOT NULL, message TEXT NOT NULL DEFAULT '',
            since REAL NOT NULL, updated_at REAL NOT NULL
        );
        -- The materials the clerk ticked for the ticket in hand (the citizen-facing screen follows them).
        CREATE TABLE checklist_ticks (
            counter INTEGER NOT NULL, ticket INTEGER NOT NULL REFERENCES tickets(id), material INTEGER NOT NULL,
            PRIMARY KEY (counter, ticket, material)
        );
        -- Every ticket print is a job, acknowledged only after the printer took the bytes: a ticket is never
        -- lost to a printer, a restart or a network drop.
        CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL REFERENCES tickets(id), printer TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT 'zh', status_url TEXT NOT NULL, reprint INTEGER NOT NULL DEFAULT 0,
            requested_by TEXT,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'printed', 'failed')),
            error TEXT, attempts INTEGER NOT NULL DEFAULT 0, taken_by TEXT,
            created_at REAL NOT NULL, sent_at REAL, done_at REAL
        );
        CREATE INDEX print_jobs_open ON print_jobs (printer, state, id);
        CREATE INDEX print_jobs_ticket ON print_jobs (ticket, id);
        -- The estimate's cycle time reads the day's last finished tickets straight from this index.
        CREATE INDEX tickets_day_finished ON tickets (service_day, state, finished_at);
        -- The live hall lists the day's oldest waiting tickets straight from this index.
        CREATE INDEX tickets_day_queue ON tickets (service_day, state, queue_at);
        """
    )


@migrations(name="1301_staff_sessions")
def m1301_staff_sessions(db: sqlite_utils.Database) -> None:
    """Server-side staff sessions (issue 13): each login is a row that logout, a password, role or activity
    change, the idle timeout and its lifetime end. The browser's cookie and the script's bearer token are
    two secrets of one login; only their hashes are stored."""
    db.executescript(
        """
        CREATE TABLE staff_sessions (
            id INTEGER PRIMARY KEY, username TEXT NOT NULL REFERENCES staff(username),
            cookie_hash TEXT NOT NULL UNIQUE, token_hash TEXT NOT NULL UNIQUE,
            -- a fingerprint of the staff row at login (password hash, roles, active): a change ends the login
            credential TEXT NOT NULL,
            created_at REAL NOT NULL, last_seen_at REAL NOT NULL, expires_at REAL NOT NULL,
            revoked_at REAL, revoked_reason TEXT, address TEXT
        );
        CREATE INDEX staff_sessions_user ON staff_sessions (username, revoked_at);
        CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);
        -- The old bearer tokens were valid 12 h and could not be revoked: they end with this upgrade.
        DELETE FROM api_tokens;
        """
    )


@migrations(name="1201_bundles_hold_active_items")
def m1201_bundles_hold_active_items(db: sqlite_utils.Database) -> None:
    """A bundle holds active items only (issuing one with a retired first item failed): take retired items out
    of the bundles that still hold them, retire a bundle left empty, and audit each change as the upgrade's."""
    import json
    import time

    rows = db.execute(
        "SELECT bi.bundle, bi.item, bi.position, i.active FROM bundle_items bi "
        "JOIN service_items i ON i.code = bi.item JOIN bundles b ON b.code = bi.bundle "
        "WHERE b.active = 1 ORDER BY bi.bundle, bi.position, bi.item").fetchall()
    members: dict[str, list[tuple[str, bool]]] = {}
    for bundle, item, _, active in rows:
        members.setdefault(bundle, []).append((item, bool(active)))
    for bundle, items in members.items():
        kept = [item for item, active in items if active]
        if len(kept) == len(items):
            continue
        db.execute("DELETE FROM bundle_items WHERE bundle = ? AND item NOT IN (SELECT code FROM service_items "
                   "WHERE active = 1)", [bundle])
        after: dict[str, object] = {"items": kept}
        if not kept:
            db.execute("UPDATE bundles SET active = 0 WHERE code = ?", [bundle])
            after["active"] = 0
        db.execute("INSERT INTO audit_log (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                   [time.time(), "upgrade", "bundle.update", bundle,
                    json.dumps({"items": [item for item, _ in items]}), json.dumps(after, sort_keys=True)])


@migrations(name="1202_aliases")
def m1202_aliases(db: sqlite_utils.Database) -> None:
    """Aliases (别名) of items and bundles: the names people say ("社保卡", "失业金"), searched at the kiosk.

    A database installed from the demo catalogue gets the demo's aliases for the entries it still has unchanged.
    """
    import json
    from importlib import resources

    db.executescript(
        """
        ALTER TABLE service_items ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE bundles ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
        """
    )
    demo = json.loads(resources.files("hall").joinpath("demo_catalogue.json").read_text(encoding="utf-8"))
    for table, entries in (("service_items", demo["items"]), ("bundles", demo["bundles"])):
        for entry in entries:
            db.execute(f"UPDATE {table} SET aliases = ? WHERE code = ? AND name_zh = ?",
                       [json.dumps(entry.get("aliases", []), ensure_ascii=False), entry["code"], entry["name"]["zh"]])


@migrations(name="1203_counters_admin")
def m1203_counters_admin(db: sqlite_utils.Database) -> None:
    """Managers add, rename, enable and retire counters: a retired counter leaves routing, lobby and screens but
    keeps its number and name for the history; each counter may have an LED window strip on an RS-485 bus."""
    db.executescript(
        """
        ALTER TABLE counters ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE counters ADD COLUMN retired_at REAL;
        ALTER TABLE counters ADD COLUMN led_port TEXT;
        ALTER TABLE counters ADD COLUMN led_address INTEGER CHECK (led_address BETWEEN 0 AND 255);
        CREATE INDEX devices_counter ON devices (counter, kind);
        CREATE INDEX tickets_target_counter ON tickets (target_counter, state) WHERE target_counter IS NOT NULL;
        """
    )


@migrations(name="1204_followup_contact_phone")
def m1204_followup_contact_phone(db: sqlite_utils.Database) -> None:
    """The phone number a citizen may leave with a bad rating, for the call-back; the number itself is erased
    when the follow-up closes, its masked form (138****5678) stays."""
    db.executescript(
        """
        ALTER TABLE followups ADD COLUMN contact_phone TEXT;
        ALTER TABLE followups ADD COLUMN contact_phone_masked TEXT;
        ALTER TABLE followups ADD COLUMN contact_phone_at REAL;
        """
    )


@migrations(name="0802_counter_versions")
def m0802_counter_versions(db: sqlite_utils.Database) -> None:
    """A counter retired or enabled again changes routing: bump the catalogue version (after 1203 added the flag)."""
    db.execute("CREATE TRIGGER counters_version_active AFTER UPDATE OF active ON counters "
               "BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'catalogue'; END")
@migrations(name="1501_outbox_cursor")
def m1501_outbox_cursor(db: sqlite_utils.Database) -> None:
    """The prefecture sender's cursor: the last event id the prefecture acknowledged, kept with the log."""
    db.executescript(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY CHECK (id = 1), acknowledged INTEGER NOT NULL DEFAULT 0,
            acknowledged_at REAL, attempts INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
            last_attempt_at REAL, last_error TEXT, diverged TEXT
        );
        INSERT INTO outbox (id, acknowledged) VALUES (1, 0);
        """
    )


@migrations(name="1502_rating_chain")
def m1502_rating_chain(db: sqlite_utils.Database) -> None:
    """A hash chain over the ratings (tamper evidence for the 好差评 upload); existing ratings are linked in order."""
    from ..rating_chain import link

    db.executescript(
        """
        CREATE TABLE rating_chain (
            seq INTEGER PRIMARY KEY, ticket INTEGER NOT NULL UNIQUE REFERENCES ratings(ticket),
            prev TEXT NOT NULL, hash TEXT NOT NULL
        );
        CREATE TRIGGER rating_chain_no_update BEFORE UPDATE ON rating_chain
            BEGIN SELECT RAISE(ABORT, 'the rating chain is append-only'); END;
        CREATE TRIGGER rating_chain_no_delete BEFORE DELETE ON rating_chain
            BEGIN SELECT RAISE(ABORT, 'the rating chain is append-only'); END;
        """
    )
    for row in db.execute("SELECT * FROM ratings ORDER BY at, ticket").fetchall():
        link(db, dict(row))


@migrations(name="1503_catalogue_standard")
def m1503_catalogue_standard(db: sqlite_utils.Database) -> None:
    """Items carry the prefecture's item code (事项编码) and version when a catalogue standard is applied."""
    db.executescript(
        """
        ALTER TABLE service_items ADD COLUMN item_code TEXT;
        ALTER TABLE service_items ADD COLUMN item_version TEXT;
        ALTER TABLE bundles ADD COLUMN item_code TEXT;
        """
    )


@migrations(name="1302_personal_data_retention")
def m1302_personal_data_retention(db: sqlite_utils.Database) -> None:
    """Retention of personal data (issue 13): when a follow-up's contact and notes, and a case's notes, were
    erased; partial indexes keep the retention job's work bounded by what is still to erase."""
    db.executescript(
        """
        ALTER TABLE followups ADD COLUMN personal_erased_at REAL;
        ALTER TABLE cases ADD COLUMN notes_erased_at REAL;
        CREATE INDEX followups_retention ON followups (coalesce(closed_at, decided_at))
            WHERE personal_erased_at IS NULL AND state IN ('closed', 'voided');
        CREATE INDEX cases_retention ON cases (coalesce(delivered_at, approved_at, reviewed_at))
            WHERE notes_erased_at IS NULL AND state IN ('delivered', 'rejected');
        """
    )


@migrations(name="1701_wait_estimate_ranges_and_errors")
def m1701_wait_estimate_ranges_and_errors(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        -- The range shown with each ticket's estimate ("约 10–15 分钟"), whole minutes; NULL on older tickets.
        ALTER TABLE tickets ADD COLUMN estimated_wait_low INTEGER;
        ALTER TABLE tickets ADD COLUMN estimated_wait_high INTEGER;
        -- Each finished day's estimate error: recorded by the day-closing job, read by the reports.
        CREATE TABLE estimate_errors (
            service_day TEXT PRIMARY KEY, tickets INTEGER NOT NULL, ranged INTEGER NOT NULL,
            mean_abs_minutes REAL, p90_abs_minutes REAL, bias_minutes REAL, coverage REAL,
            recorded_at REAL NOT NULL
        );
        """
    )


@migrations(name="1601_service_hours_quotas")
def m1601_service_hours_quotas(db: sqlite_utils.Database) -> None:
    """Quotas (限号) per day: rules set by managers, and counters of what each day used, so that checking a
    ticket against its quotas costs the same whatever the day's length; remote tickets and arrival."""
    db.executescript(
        """
        -- A quota rule: the whole hall (code ''), one item or one bundle; a daily limit, a limit per time slot
        -- of slot_minutes, and the share of the daily limit remote tickets may take (NULL: the hall's share).
        CREATE TABLE quota_rules (
            scope TEXT NOT NULL CHECK (scope IN ('hall', 'item', 'bundle')), code TEXT NOT NULL,
            daily INTEGER CHECK (daily IS NULL OR daily >= 0),
            slot_minutes INTEGER CHECK (slot_minutes IS NULL OR slot_minutes BETWEEN 5 AND 720),
            per_slot INTEGER CHECK (per_slot IS NULL OR per_slot >= 0),
            remote_share INTEGER CHECK (remote_share IS NULL OR remote_share BETWEEN 0 AND 100),
            updated_at REAL NOT NULL, updated_by TEXT,
            PRIMARY KEY (scope, code)
        );
        -- What a day used: slot '' is the whole day, 'HH:MM' one time slot. Issued tickets count in used (remote
        -- ones also in remote); bookings count in used and booked when they are made, never again at check-in.
        CREATE TABLE quota_usage (
            service_day TEXT NOT NULL, scope TEXT NOT NULL, code TEXT NOT NULL, slot TEXT NOT NULL DEFAULT '',
            used INTEGER NOT NULL DEFAULT 0, remote INTEGER NOT NULL DEFAULT 0, booked INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (service_day, scope, code, slot)
        );
        INSERT INTO hall_versions (name, version) VALUES ('quotas', 1);
        CREATE TRIGGER quota_rules_version_insert AFTER INSERT ON quota_rules
            BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'quotas'; END;
        CREATE TRIGGER quota_rules_version_update AFTER UPDATE ON quota_rules
            BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'quotas'; END;
        CREATE TRIGGER quota_rules_version_delete AFTER DELETE ON quota_rules
            BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'quotas'; END;
        -- How a ticket came: walk_in (kiosk, staff), remote (the phone), appointment (a checked-in booking).
        ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'walk_in';
        -- A remote ticket is called only as "arrived" once the citizen confirmed being in the hall.
        ALTER TABLE tickets ADD COLUMN arrived_at REAL;
        -- "I need more time" was used (once per ticket).
        ALTER TABLE tickets ADD COLUMN moved_back INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX tickets_remote ON tickets (service_day, state) WHERE channel = 'remote';
        """
    )


@migrations(name="1602_phone_contacts_notices")
def m1602_phone_contacts_notices(db: sqlite_utils.Database) -> None:
    """The citizen's phone: verified numbers kept only as long as needed, one-time codes, the SMS outbox (with
    masked numbers), notice subscriptions and the notices sent; online appointments with slots and plans."""
    db.executescript(
        """
        -- A verified phone number: the number itself (and its keyed hash) only until needed_until has passed
        -- by the retention time; the masked form stays for the record.
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY, phone TEXT, phone_hash TEXT, phone_masked TEXT NOT NULL,
            created_at REAL NOT NULL, verified_at REAL, needed_until REAL NOT NULL, erased_at REAL
        );
        CREATE UNIQUE INDEX contacts_phone ON contacts (phone_hash) WHERE phone_hash IS NOT NULL;
        CREATE INDEX contacts_retention ON contacts (needed_until) WHERE erased_at IS NULL;
        CREATE TABLE phone_codes (
            id INTEGER PRIMARY KEY, contact INTEGER NOT NULL REFERENCES contacts(id), code_hash TEXT NOT NULL,
            address_hash TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, used_at REAL
        );
        CREATE INDEX phone_codes_contact ON phone_codes (contact, created_at);
        CREATE INDEX phone_codes_address ON phone_codes (address_hash, created_at);
        CREATE INDEX phone_codes_at ON phone_codes (created_at);
        -- Every SMS, sent or not: the outbox of the gateway worker and its log (masked numbers only).
        CREATE TABLE sms_messages (
            id INTEGER PRIMARY KEY, contact INTEGER NOT NULL REFERENCES contacts(id), phone_masked TEXT NOT NULL,
            kind TEXT NOT NULL, params TEXT NOT NULL DEFAULT '{}', ticket INTEGER, booking TEXT,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'dropped')),
            attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, created_at REAL NOT NULL,
            sent_at REAL, error TEXT, gateway_id TEXT
        );
        CREATE INDEX sms_queue ON sms_messages (state, next_attempt_at);
        CREATE INDEX sms_contact ON sms_messages (contact, created_at);
        CREATE INDEX sms_at ON sms_messages (created_at);
        -- Who follows a ticket: at how many people ahead to tell them, and whether by SMS too (opt-in).
        CREATE TABLE ticket_watch (
            ticket INTEGER PRIMARY KEY REFERENCES tickets(id), service_day TEXT NOT NULL,
            contact INTEGER REFERENCES contacts(id), ahead INTEGER NOT NULL, sms INTEGER NOT NULL DEFAULT 0,
            ahead_notified_at REAL, created_at REAL NOT NULL
        );
        CREATE INDEX ticket_watch_pending ON ticket_watch (service_day) WHERE ahead_notified_at IS NULL;
        CREATE INDEX ticket_watch_contact ON ticket_watch (contact);
        -- Notices shown on the open phone page (and sent by SMS when opted in): once per subject, kind and key.
        CREATE TABLE notices (
            id INTEGER PRIMARY KEY, subject TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL DEFAULT '',
            params TEXT NOT NULL DEFAULT '{}', at REAL NOT NULL, sms INTEGER,
            UNIQUE (subject, kind, key)
        );
        -- Online appointments: a plan per item or bundle (slots of slot_minutes inside the service hours, with a
        -- capacity each, bookable from min_lead_minutes to max_days_ahead ahead), a day's own capacity, and
        -- the count of bookings per slot.
        CREATE TABLE appointment_plans (
            scope TEXT NOT NULL CHECK (scope IN ('item', 'bundle')), code TEXT NOT NULL,
            slot_minutes INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
            capacity INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 1000),
            min_lead_minutes INTEGER NOT NULL DEFAULT 60 CHECK (min_lead_minutes BETWEEN 0 AND 20160),
            max_days_ahead INTEGER NOT NULL DEFAULT 14 CHECK (max_days_ahead BETWEEN 0 AND 90),
            active INTEGER NOT NULL DEFAULT 1, updated_at REAL NOT NULL, updated_by TEXT,
            PRIMARY KEY (scope, code)
        );
        CREATE TABLE appointment_days (
            service_day TEXT NOT NULL, scope TEXT NOT NULL, code TEXT NOT NULL,
            capacity INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 1000),
            PRIMARY KEY (service_day, scope, code)
        );
        CREATE TABLE appointment_slots (
            service_day TEXT NOT NULL, scope TEXT NOT NULL, code TEXT NOT NULL, slot_start REAL NOT NULL,
            booked INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (service_day, scope, code, slot_start)
        );
        ALTER TABLE appointments ADD COLUMN token TEXT;
        ALTER TABLE appointments ADD COLUMN contact INTEGER REFERENCES contacts(id);
        ALTER TABLE appointments ADD COLUMN id_digest TEXT;
        ALTER TABLE appointments ADD COLUMN channel TEXT NOT NULL DEFAULT 'console';
        ALTER TABLE appointments ADD COLUMN reminded_at REAL;
        ALTER TABLE appointments ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE appointments ADD COLUMN cancelled_at REAL;
        ALTER TABLE appointments ADD COLUMN sms INTEGER NOT NULL DEFAULT 0;
        CREATE UNIQUE INDEX appointments_token ON appointments (token) WHERE token IS NOT NULL;
        CREATE INDEX appointments_id_digest ON appointments (id_digest, service_day) WHERE id_digest IS NOT NULL;
        CREATE INDEX appointments_contact ON appointments (contact, service_day) WHERE contact IS NOT NULL;
        CREATE INDEX appointments_reminders ON appointments (state, slot_start) WHERE reminded_at IS NULL;
        """
    )


@migrations(name="1603_arrival_failures")
def m1603_arrival_failures(db: sqlite_utils.Database) -> None:
    """Wrong arrival codes tried for a remote ticket: after a few, only the kiosk confirms it (no guessing
    from home)."""
    db.execute("ALTER TABLE tickets ADD COLUMN arrival_failures INTEGER NOT NULL DEFAULT 0")
@migrations(name="1401_agents_and_id_cards")
def m1401_agents_and_id_cards(db: sqlite_utils.Database) -> None:
    """Device agents on kiosk and counter PCs, the device status they report, print jobs given up, and the
    ID-card swipe: only a keyed hash of the ID number and masked forms are kept (never the number itself)."""
    db.executescript(
        """
        -- A device registered for one kiosk (kiosk and agent devices); an agent with neither kiosk nor counter
        -- may serve any kiosk and counter of the hall.
        ALTER TABLE devices ADD COLUMN kiosk TEXT;
        -- One row per agent device: its current connection and when it was last heard from.
        CREATE TABLE agents (
            device INTEGER PRIMARY KEY REFERENCES devices(id), session TEXT, connected INTEGER NOT NULL DEFAULT 0,
            connected_at REAL, last_seen REAL, address TEXT, version TEXT
        );
        -- Which agent reports a device's state (NULL: this server).
        ALTER TABLE device_status ADD COLUMN agent INTEGER REFERENCES devices(id);
        CREATE INDEX device_status_agent ON device_status (agent) WHERE agent IS NOT NULL;
        -- A queued job not printed within [printing] give_up_seconds is given up: failed, offered for reprint.
        ALTER TABLE print_jobs ADD COLUMN given_up_at REAL;
        CREATE INDEX print_jobs_queued_at ON print_jobs (state, created_at);
        -- The person behind a ticket taken with an ID card: a keyed hash for the one-open-ticket rule, masked forms.
        ALTER TABLE tickets ADD COLUMN person_hash TEXT;
        ALTER TABLE tickets ADD COLUMN person_id_masked TEXT;
        ALTER TABLE tickets ADD COLUMN person_name_masked TEXT;
        CREATE INDEX tickets_person ON tickets (service_day, person_hash) WHERE person_hash IS NOT NULL;
        -- A card read at a kiosk, for a minute: the kiosk page takes a ticket with its random token.
        CREATE TABLE card_swipes (
            id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE, kiosk TEXT NOT NULL, person_hash TEXT NOT NULL,
            id_masked TEXT NOT NULL, name_masked TEXT NOT NULL, at REAL NOT NULL, expires_at REAL NOT NULL
        );
        CREATE INDEX card_swipes_expiry ON card_swipes (expires_at);
        """
    )


@migrations(name="1102_day_version")
def m1102_day_version(db: sqlite_utils.Database) -> None:
    """The day's version, bumped by triggers on whatever a wait estimate reads of the day except a new ticket
    behind the others (called, started, finished tickets; counters; priority walk-ins; appointments): a burst
    of tickets reuses the day's figures instead of recomputing them from every ticket of the day."""
    db.execute("INSERT INTO hall_versions (name, version) VALUES ('day', 1)")
    bump = "BEGIN UPDATE hall_versions SET version = version + 1 WHERE name = 'day'; END"
    db.execute(f"CREATE TRIGGER tickets_day_version_update AFTER UPDATE ON tickets {bump}")
    db.execute(f"CREATE TRIGGER tickets_day_version_delete AFTER DELETE ON tickets {bump}")
    db.execute(f"CREATE TRIGGER tickets_day_version_priority AFTER INSERT ON tickets WHEN NEW.priority = 1 {bump}")
    for table in ("counters", "appointments"):
        for when in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_day_version_{when.lower()} AFTER {when} ON {table} {bump}")
