"""The diff engines: behaviour (payloads and recordings) and spec (OpenAPI documents), with one change list.

Engines return :class:`Change` records and know nothing of output formats (``contractgate.reports.diff``)
or exit codes (``contractgate.cli.diff``). Every kind of change, its class and its wording: ``classify.py``.
"""

from contractgate.diff.behaviour import diff_payloads, diff_recordings
from contractgate.diff.change import Change, has_breaking, sorted_changes
from contractgate.diff.spec import diff_specs
from contractgate.diff.volatile import Volatile, load_volatile

__all__ = ["Change", "Volatile", "diff_payloads", "diff_recordings", "diff_specs", "has_breaking", "load_volatile",
           "sorted_changes"]
