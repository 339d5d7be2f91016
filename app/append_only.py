"""Database triggers that refuse UPDATE and DELETE on append-only tables (ledger, audit log)."""

from sqlalchemy import DDL, Table, event


def append_only_statements(table: str, dialect: str) -> list[str]:
    """The DDL that makes `table` append-only on `dialect` ("sqlite" or "postgresql")."""
    message = f"{table} is append-only"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION zf_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION zf_refuse_change()",
        ]
    return []


def make_append_only(table: Table) -> None:
    """Attach the triggers to `table` so that metadata.create_all installs them (tests, first run)."""
    for dialect in ("sqlite", "postgresql"):
        for statement in append_only_statements(table.name, dialect):
            ddl = DDL(statement.replace("%", "%%"))  # DDL() applies %-formatting
            event.listen(table, "after_create", ddl.execute_if(dialect=dialect))
