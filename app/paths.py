"""Where the project's non-Python files live: beside the package in a checkout, or under the
installation's `share/citypact` when installed with `pip install .`."""

import sys
from pathlib import Path


def _root() -> Path:
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "templates").is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "citypact"


ROOT = _root()
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
ALEMBIC_INI = ROOT / "alembic.ini"
ALEMBIC_DIR = ROOT / "alembic"
