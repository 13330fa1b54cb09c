"""Runs rendered SQL files on a modern ClickHouse embedded in-process (chDB, ClickHouse 26.x).

Usage: run_sql.py DIR
Every DIR/NN_name.sql (sorted by name) holds one statement, run in one chDB session in that order. The
result of a file ending in .tsv.sql is written as TabSeparated, of any other .sql as JSONEachRow, to
DIR/NN_name.out. The first failing statement stops the run: its file and the server's error are printed
and the exit code is 1. Prints the engine version first.
"""
import pathlib
import sys
import tempfile

from chdb import session


def main() -> int:
    directory = pathlib.Path(sys.argv[1])
    files = sorted(directory.glob("*.sql"))
    if not files:
        print(f"run_sql.py: no .sql files in {directory}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as data:
        db = session.Session(data)
        version = str(db.query("SELECT version()", "TabSeparated")).strip()
        print(f"chDB ClickHouse {version}: {len(files)} statements from {directory}")
        for path in files:
            text = path.read_text(encoding="utf-8")
            fmt = "TabSeparated" if path.name.endswith(".tsv.sql") else "JSONEachRow"
            try:
                result = db.query(text, fmt)
            except Exception as error:  # chDB raises RuntimeError-like errors with the server message
                print(f"FAILED {path.name}: {error}", file=sys.stderr)
                return 1
            output = result.bytes() if hasattr(result, "bytes") else str(result).encode("utf-8")
            path.with_suffix(".out").write_bytes(output)
            print(f"ok {path.name}")
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
