"""Test helpers: installing kernelspecs and proving that files did not change."""

import json
import sys
from pathlib import Path

PYTHON_ARGV = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def install_spec(kernels_dir: Path, name: str, **fields) -> Path:
    """Write ``kernels_dir/name/kernel.json``; returns the spec directory."""
    spec = {"argv": PYTHON_ARGV, "display_name": name, "language": "python", **fields}
    spec_dir = kernels_dir / name
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return spec_dir


def snapshot(directory: Path) -> dict:
    """Every file under ``directory`` with its bytes and mode."""
    return {
        str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mode)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
