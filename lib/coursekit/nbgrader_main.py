"""``python -m coursekit.nbgrader_main ARGS``: nbgrader's own command line, started a second sooner.

nbgrader imports nbformat, whose jsonschema imports the optional ``rfc3987_syntax`` at start-up;
that package compiles a grammar for checking "iri" strings (about 1 s of CPU, measured with
``python -X importtime -m nbgrader --version``: 1.0 of its 1.9 s). No notebook schema and no
nbgrader check uses that format, and jsonschema treats the package as optional (it imports it
under ``suppress(ImportError)``), so marking it absent changes nothing but the start-up time.
nbgrader is started once per graded submission, so this is a second of CPU per submission.
Everything else is exactly ``python -m nbgrader ARGS``.
"""

from __future__ import annotations

import sys


def main() -> None:
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)
    from nbgrader.apps.nbgraderapp import main as nbgrader_main

    sys.argv[0] = "nbgrader"
    nbgrader_main()


if __name__ == "__main__":
    main()
