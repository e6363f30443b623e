"""notebooks/quickstart.ipynb runs top to bottom through the Python API."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from conftest import REPO

NOTEBOOK = REPO / "notebooks" / "quickstart.ipynb"


def test_quickstart_notebook_executes_and_shows_flags_and_a_chart() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "activities from" in text
    assert "[alert] load.spike" in text
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)
    assert any("text/markdown" in o.get("data", {}) for o in outputs)
    plain = "".join(o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "'max_distance': 26.56" in plain  # report.next: Sam's next-run limit, in km
    assert any("<iframe" in o.get("data", {}).get("text/html", "") for o in outputs)
