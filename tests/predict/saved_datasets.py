"""A ``datasets.Dataset.save_to_disk`` folder written with pyarrow, for the input tests."""

from __future__ import annotations

import json
from pathlib import Path


def save_to_disk(folder: Path, rows: list[dict], files: int = 2) -> Path:
    """A folder laid out as ``datasets.Dataset.save_to_disk`` writes it: Arrow IPC stream files
    ``data-0000k-of-0000n.arrow``, ``state.json`` listing them, ``dataset_info.json``."""
    import pyarrow as pa

    folder.mkdir(parents=True)
    table = pa.table({"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]})
    per = -(-len(rows) // files)
    names = [f"data-{k:05d}-of-{files:05d}.arrow" for k in range(files)]
    for k, name in enumerate(names):
        with pa.ipc.new_stream(str(folder / name), table.schema) as writer:
            writer.write_table(table.slice(k * per, per), max_chunksize=1)
    (folder / "state.json").write_text(json.dumps({
        "_data_files": [{"filename": n} for n in names], "_fingerprint": "0", "_format_columns": None,
        "_format_kwargs": {}, "_format_type": None, "_output_all_columns": False, "_split": None}))
    (folder / "dataset_info.json").write_text(json.dumps({"features": {
        "id": {"dtype": "string", "_type": "Value"}, "text": {"dtype": "string", "_type": "Value"}}}))
    return folder
