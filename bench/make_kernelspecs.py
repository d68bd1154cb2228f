"""Write N realistic kernelspecs into a kernels directory, for the benchmark.

Usage: python make_kernelspecs.py KERNELS_DIR COUNT

Every spec is ``bench-NNNN/kernel.json`` with the argv that ``ipykernel install``
writes (this interpreter, ``-m ipykernel_launcher -f {connection_file}``), a varied
display name and language ``python``. About 2% point at an interpreter that does
not exist (so the panel shows them as broken), and about 10% get a
``logo-64x64.png`` copied from an installed kernelspec, so that the ``resources``
part of ``/api/kernelspecs`` is exercised.

Exactly one spec in ten has "Quantum" in its display name, and no other spec,
name or language contains the letter "q": typing "q" in the filter box narrows
the list to those (kernelspecs_browser.js relies on it).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sys

# No word here contains a "q" (see the docstring).
PYTHONS = ["Python 3.11", "Python 3.12", "Python 3.13", "Python 3.10", "PyPy 3.10"]
PROJECTS = [
    "analytics",
    "billing",
    "climate-model",
    "data-lake",
    "etl",
    "forecasting",
    "genomics",
    "imaging",
    "ml-platform",
    "nlp",
    "optimizer",
    "pricing",
    "reporting",
    "robotics",
    "search",
    "thesis",
    "trading",
    "vision",
    "web-scraper",
    "warehouse",
]
FLAVOURS = ["", "GPU", "CPU only", "conda", "venv", "pinned", "nightly", "legacy"]


def logo_source() -> str | None:
    """A logo-64x64.png of an installed kernelspec (ipykernel ships one)."""
    patterns = [
        os.path.join(sys.prefix, "share", "jupyter", "kernels", "*", "logo-64x64.png"),
        os.path.join(
            sys.prefix,
            "lib",
            "python*",
            "site-packages",
            "ipykernel",
            "resources",
            "logo-64x64.png",
        ),
        "/usr/local/share/jupyter/kernels/*/logo-64x64.png",
        "/usr/share/jupyter/kernels/*/logo-64x64.png",
    ]
    for pattern in patterns:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def display_name(i: int) -> str:
    python = PYTHONS[i % len(PYTHONS)]
    project = PROJECTS[(i * 7) % len(PROJECTS)]
    flavour = FLAVOURS[(i * 3) % len(FLAVOURS)]
    words = [python, f"({project}"]
    if i % 10 == 3:
        words.append("Quantum")
    if flavour:
        words.append(flavour)
    return " ".join(words) + f", #{i})"


def main() -> int:
    kernels_dir, count = sys.argv[1], int(sys.argv[2])
    os.makedirs(kernels_dir, exist_ok=True)
    logo = logo_source()
    broken = logos = 0
    for i in range(1, count + 1):
        name = f"bench-{i:04d}"
        spec_dir = os.path.join(kernels_dir, name)
        os.makedirs(spec_dir, exist_ok=True)
        if i % 50 == 7:
            python = f"/opt/conda/envs/removed-{i:04d}/bin/python"  # does not exist
            broken += 1
        else:
            python = sys.executable
        spec = {
            "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": display_name(i),
            "language": "python",
            "interrupt_mode": "signal",
            "metadata": {"debugger": True},
        }
        if i % 4 == 0:
            spec["env"] = {"PYTHONUNBUFFERED": "1", "PROJECT_ID": name}
        with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as f:
            json.dump(spec, f, indent=1)
        if logo and i % 10 == 0:
            shutil.copyfile(logo, os.path.join(spec_dir, "logo-64x64.png"))
            logos += 1
    print(
        f"wrote {count} kernelspecs in {kernels_dir} "
        f"({broken} with a missing interpreter, {logos} with a logo"
        + ("" if logo else "; no logo-64x64.png found to copy")
        + ")"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
