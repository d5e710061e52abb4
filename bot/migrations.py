"""The database's shape: named migrations, applied in order and recorded in the database.

They are part of the store: this module and ``bot.store`` hold all of leadbot's SQL.
"""

from __future__ import annotations

from bot.sqlitedb import Database, Migrations

migrations = Migrations("leadbot")


@migrations()
def m001_initial(db: Database) -> None:
    """Posts, choices, replies, reflections and the nudge rotation."""
    db.execute("""
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('prompt', 'nudge', 'digest')),
            occurrence TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'failed', 'skipped')),
            nudge_id TEXT,
            text TEXT,
            ts TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_at TEXT NOT NULL,
            posted_at TEXT,
            UNIQUE (channel, kind, occurrence)
        )""")
    db.execute("CREATE INDEX posts_channel_ts ON posts (channel, ts)")
    db.execute("""
        CREATE TABLE choices (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts (id),
            channel TEXT NOT NULL,
            user TEXT NOT NULL,
            choice TEXT NOT NULL CHECK (choice IN ('follow', 'take', 'pass')),
            at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX choices_post_user ON choices (post_id, user)")
    db.execute("""
        CREATE TABLE replies (
            id INTEGER PRIMARY KEY,
            post_id INTEGER REFERENCES posts (id),
            channel TEXT NOT NULL,
            thread_ts TEXT NOT NULL,
            ts TEXT NOT NULL,
            user TEXT NOT NULL,
            text TEXT,
            at TEXT NOT NULL,
            edited_at TEXT,
            deleted_at TEXT,
            UNIQUE (channel, ts)
        )""")
    db.execute("""
        CREATE TABLE reflections (
            id INTEGER PRIMARY KEY,
            user TEXT NOT NULL,
            channel TEXT,
            text TEXT NOT NULL,
            choice TEXT CHECK (choice IS NULL OR choice IN ('follow', 'take', 'pass')),
            behavior TEXT,
            shared INTEGER NOT NULL DEFAULT 0,
            at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX reflections_user ON reflections (user, at)")
    db.execute("""
        CREATE TABLE rotation (
            channel TEXT NOT NULL,
            cycle INTEGER NOT NULL,
            nudge_id TEXT NOT NULL,
            post_id INTEGER REFERENCES posts (id),
            used_at TEXT NOT NULL,
            PRIMARY KEY (channel, cycle, nudge_id)
        )""")


@migrations()
def m002_schedule_state(db: Database) -> None:
    """When each channel's schedule was first seen, and how #names resolved to channel IDs."""
    db.execute("""
        CREATE TABLE schedule_state (
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            since TEXT NOT NULL,
            PRIMARY KEY (channel, kind)
        )""")
    db.execute("""
        CREATE TABLE channel_refs (
            ref TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            name TEXT,
            resolved_at TEXT NOT NULL
        )""")
    # Posts made by `leadbot post-now` are not schedule occurrences: catch-up ignores them.
    db.execute("ALTER TABLE posts ADD COLUMN manual INTEGER NOT NULL DEFAULT 0")


@migrations()
def m003_answers(db: Database) -> None:
    """Blocks of each post (for live counts), reply edit times, reactions, processed events."""
    db.execute("ALTER TABLE posts ADD COLUMN blocks TEXT")
    db.execute("ALTER TABLE replies ADD COLUMN edited_ts TEXT")
    db.execute("CREATE INDEX replies_user ON replies (user)")
    db.execute("CREATE INDEX choices_user ON choices (user)")
    db.execute("""
        CREATE TABLE reactions (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts (id),
            channel TEXT NOT NULL,
            user TEXT NOT NULL,
            reaction TEXT NOT NULL,
            at TEXT NOT NULL,
            removed_at TEXT,
            UNIQUE (post_id, user, reaction)
        )""")
    db.execute("CREATE INDEX reactions_user ON reactions (user)")


@migrations()
def m004_reflections(db: Database) -> None:
    """Where a reflection came from and when it was last edited; the modals the bot opened."""
    db.execute("ALTER TABLE reflections ADD COLUMN source TEXT NOT NULL DEFAULT 'modal'")
    db.execute("ALTER TABLE reflections ADD COLUMN updated_at TEXT")
    # A view submission is only accepted for a modal the bot opened, once, by the same person.
    db.execute("""
        CREATE TABLE modals (
            view_id TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            purpose TEXT NOT NULL,
            channel TEXT,
            reflection_id INTEGER,
            opened_at TEXT NOT NULL,
            submitted_at TEXT
        )""")
    db.execute("CREATE INDEX modals_user ON modals (user)")


@migrations()
def m005_follow_ups(db: Database) -> None:
    """One follow-up per "take" choice: when it is due, whether it was sent, what came of it."""
    db.execute("""
        CREATE TABLE follow_ups (
            id INTEGER PRIMARY KEY,
            choice_id INTEGER NOT NULL UNIQUE,
            post_id INTEGER NOT NULL,
            channel TEXT NOT NULL,
            user TEXT NOT NULL,
            chosen_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'sending', 'sent', 'cancelled')),
            reason TEXT,
            sent_at TEXT,
            dm_channel TEXT,
            dm_ts TEXT,
            outcome TEXT
                CHECK (outcome IS NULL OR outcome IN ('worked', 'partly', 'not_yet', 'learned')),
            answered_at TEXT
        )""")
    db.execute("CREATE INDEX follow_ups_due ON follow_ups (status, due_at)")
    db.execute("CREATE INDEX follow_ups_user ON follow_ups (user)")
    db.execute("ALTER TABLE reflections ADD COLUMN follow_up_id INTEGER")
    db.execute("ALTER TABLE modals ADD COLUMN follow_up_id INTEGER")


@migrations()
def m006_people(db: Database) -> None:
    """Each person's settings, DMs waiting for their moment, and alerts sent to admins."""
    db.execute("""
        CREATE TABLE person_settings (
            user TEXT PRIMARY KEY,
            paused_until TEXT,
            follow_up_dms INTEGER NOT NULL DEFAULT 1,
            sighting_dms INTEGER NOT NULL DEFAULT 1,
            quiet_start TEXT,
            quiet_end TEXT,
            updated_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            user TEXT NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            blocks TEXT,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'cancelled')),
            reason TEXT,
            sent_at TEXT,
            dm_channel TEXT,
            dm_ts TEXT
        )""")
    db.execute("CREATE INDEX outbox_pending ON outbox (status, created_at)")
    db.execute("CREATE INDEX outbox_user ON outbox (user)")
    db.execute("""
        CREATE TABLE channel_alerts (
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            last_post_id INTEGER NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (channel, kind)
        )""")
    # retention: the words of reflections may be deleted, leaving the row (and its counts)
    db["reflections"].transform(not_null={"text": False})


@migrations()
def m007_sightings(db: Database) -> None:
    """Leadership sightings: who saw good leadership in whom, and the DM queued to tell them."""
    db.execute("""
        CREATE TABLE sightings (
            id INTEGER PRIMARY KEY,
            seer TEXT NOT NULL,
            about TEXT NOT NULL,
            text TEXT,
            behavior TEXT,
            channel TEXT,
            permalink TEXT,
            anonymous INTEGER NOT NULL DEFAULT 0,
            in_digest INTEGER NOT NULL DEFAULT 1,
            at TEXT NOT NULL,
            updated_at TEXT,
            dm_id INTEGER
        )""")
    # text is nullable: a retention job may delete the words and keep the row (and its counts).
    # dm_id is the outbox row telling `about`, so a later change (anonymity...) can follow it.
    db.execute("CREATE INDEX sightings_seer ON sightings (seer)")
    db.execute("CREATE INDEX sightings_about ON sightings (about)")
    db.execute("CREATE INDEX sightings_channel_at ON sightings (channel, at)")


@migrations()
def m008_reflection_shared_named(db: Database) -> None:
    """Whether a shared reflection shows its author's name, fixed when the person shared it
    (the form said so then), whatever the channel's show_names becomes later. Reflections
    shared before this were shown as "shared anonymously" in history: they stay without it."""
    db.execute("ALTER TABLE reflections ADD COLUMN shared_named INTEGER NOT NULL DEFAULT 0")


@migrations()
def m009_sightings_in_digest_setting(db: Database) -> None:
    """Each person may keep sightings about them out of the team digest (on by default)."""
    db.execute("ALTER TABLE person_settings ADD COLUMN sightings_in_digest INTEGER NOT NULL "
               "DEFAULT 1")


@migrations()
def m010_modal_sighting_id(db: Database) -> None:
    """The sighting an "Add details" form amends gets its own column (it borrowed
    reflection_id, which made every reader ask which kind of id it held)."""
    db.execute("ALTER TABLE modals ADD COLUMN sighting_id INTEGER")
    db.execute("UPDATE modals SET sighting_id = reflection_id, reflection_id = NULL "
               "WHERE purpose = 'sighting'")


@migrations()
def m011_theme_columns(db: Database) -> None:
    """A reflection's and a sighting's theme are called so, as in the configuration and the
    library ("behavior" and "theme" named one thing)."""
    db.execute("ALTER TABLE reflections RENAME COLUMN behavior TO theme")
    db.execute("ALTER TABLE sightings RENAME COLUMN behavior TO theme")


@migrations()
def m012_applied_config(db: Database) -> None:
    """The configuration the running bot applied last (at start or on a reload), as a JSON
    snapshot: ``leadbot check-config --diff`` compares the file with it."""
    db.execute("""
        CREATE TABLE applied_config (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            applied_at TEXT NOT NULL,
            snapshot TEXT NOT NULL
        )""")
