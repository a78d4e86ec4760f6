"""Plain descriptions of model objects: dotted class paths (only argmine's classes are imported
back) and a check that a value is JSON-serialisable."""

from __future__ import annotations

import importlib
from typing import Any

from argmine.errors import CheckpointError

ALLOWED_MODULE_PREFIX = "argmine."


def class_path(obj: Any) -> str:
    """``module.QualName`` of an object or class."""
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def import_class(path: str) -> type:
    """Import an argmine class by dotted path; refuses anything outside argmine."""
    if not path.startswith(ALLOWED_MODULE_PREFIX):
        raise CheckpointError(f"refusing to import {path!r}: only argmine classes can be loaded")
    module_name, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise CheckpointError(f"cannot import {path!r}: {exc}") from None


def jsonable(value: Any) -> bool:
    """Whether ``value`` is made of JSON types only (dict keys are strings)."""
    return (
        value is None
        or isinstance(value, (str, int, float, bool))
        or (isinstance(value, (list, tuple)) and all(jsonable(v) for v in value))
        or (isinstance(value, dict) and all(isinstance(k, str) and jsonable(v) for k, v in value.items()))
    )
