"""Regenerate the generated sections of the docs (parameter tables, submodel equations,
mechanics values) from the code: ``python docs/sync_docs.py``. A test fails when they
are stale."""

from pathlib import Path

from assb_sim.parameters import sync_docs

if __name__ == "__main__":
    for page in ("model.md", "parameters.md", "mechanics.md"):
        changed = sync_docs(Path(__file__).parent / page)
        print(f"docs/{page}: {'updated' if changed else 'up to date'}")
