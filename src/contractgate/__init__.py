"""contractgate: contract tests and schema conformance for third-party session APIs."""

from contractgate.catalog import Catalog, load_catalog
from contractgate.errors import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, ContractgateError, InputError
from contractgate.findings import Violation
from contractgate.validate import PayloadChecker, checker_for

__version__ = "0.1.0"

__all__ = [
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_VIOLATION",
    "Catalog",
    "ContractgateError",
    "InputError",
    "PayloadChecker",
    "Violation",
    "__version__",
    "checker_for",
    "load_catalog",
]
