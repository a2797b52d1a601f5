from django.db import migrations

# Every column but the actor's id is frozen: deleting a user may still null the link
# (the name stays in actor_label), as SET_NULL needs.
APPEND_ONLY_TABLES = {
    "cases_event": "id, case_id, at, actor_label, type, before, after, data",
    "accounts_auditentry": "id, at, actor_label, action, detail",
}


def create_triggers(apps, schema_editor):
    # The model refuses edits too; the triggers also stop raw SQL and admin bulk actions.
    vendor = schema_editor.connection.vendor
    for table, columns in APPEND_ONLY_TABLES.items():
        if vendor == "sqlite":
            for op in (f"UPDATE OF {columns}", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.split()[0].lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
                )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OF {columns} OR DELETE "
                f"ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only();"
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in APPEND_ONLY_TABLES:
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


def install_defaults(apps, schema_editor):
    from complaintdesk.cases import defaults

    defaults.install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_initial"),
        ("accounts", "0002_initial"),
        ("sla", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(install_defaults, migrations.RunPython.noop),
    ]
