"""Import factory_boy under another name.

docs/ARCHITECTURE.md names the project package ``factory``, which shadows factory_boy's
own top-level ``factory`` package. factory_boy imports itself relatively, so
it loads fine as ``factory_boy``; use ``from tests.factory_boy import factory``.
"""

import importlib.util
import sys
from importlib.metadata import distribution

if "factory_boy" not in sys.modules:
    _init = distribution("factory_boy").locate_file("factory/__init__.py")
    _spec = importlib.util.spec_from_file_location(
        "factory_boy", _init, submodule_search_locations=[str(_init.parent)]
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["factory_boy"] = _module
    _spec.loader.exec_module(_module)
    importlib.import_module("factory_boy.django")

factory = sys.modules["factory_boy"]
