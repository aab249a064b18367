"""What is derived from the schema's one definition (the SQLModel classes in tables.py): the DDL of a new
store (`schema.sql`) and each table's column names (`columns.py`).

Both are generated files, so the scan path never imports SQLAlchemy: `python -m tokenpulse.store.schema`
rewrites them after a change to tables.py, and tests/store/test_schema_source.py fails until it has been run.
Migrations (alembic, migrations/versions/) stay hand-written; a test checks that a store migrated from the
first revision has exactly the schema of a new one.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
SCHEMA_SQL = HERE / "schema.sql"
COLUMNS_PY = HERE / "columns.py"


def _metadata():  # type: ignore[no-untyped-def]
    from sqlmodel import SQLModel

    import tokenpulse.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

    return SQLModel.metadata


def ddl() -> str:
    """CREATE statements of every table and index, in dependency order, plus alembic's version table."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect()
    out = ["CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n"
           "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n"]
    for table in _metadata().sorted_tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip() + ";\n")
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            out.append(str(CreateIndex(index).compile(dialect=dialect)).strip() + ";\n")
    return "".join(out)


def columns_source() -> str:
    """The text of columns.py: every table's columns in declaration order."""
    lines = ['"""Each table\'s columns, in order. Generated from tables.py by `python -m tokenpulse.store.schema`:',
             'do not edit by hand."""', "", "COLUMNS: dict[str, tuple[str, ...]] = {"]
    for table in _metadata().sorted_tables:
        names = [f'"{c.name}"' for c in table.columns]
        lines.append(f'    "{table.name}": (')
        row = "       "
        for name in names:
            if len(row) + len(name) + 2 > 110:
                lines.append(row.rstrip())
                row = "       "
            row += f" {name},"
        lines.append(row)
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write() -> list[Path]:
    """Rewrite the generated files that differ from the definition; returns those rewritten."""
    changed = []
    for path, text in ((SCHEMA_SQL, ddl()), (COLUMNS_PY, columns_source())):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":
    rewritten = write()
    print("rewritten: " + ", ".join(p.name for p in rewritten) if rewritten
          else "schema.sql and columns.py are current")
