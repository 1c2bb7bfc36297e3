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
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER ratings_no_update BEFORE UPDATE ON ratings BEGIN SELECT RAISE(ABORT, 'a rating cannot be changed'); END;
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
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
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
