"""A stand-in for ``mamba``: no conda channel is reachable from the test machines.

Understands the two command lines the extension runs:
  mamba create -y -p PATH python=X PKG...   builds PATH with uv (venv + pip) underneath,
                                            from its own interpreter: X must be its version
  mamba list --json -p PATH                 lists PATH's packages as conda does
It appends each argv to $FAKE_MAMBA_LOG, prints progress lines (flushed, so the
job's log streams), and when $FAKE_MAMBA_SLEEP is set it waits that long in a
``sleep`` child first, writing "<own pid> <child pid>" to $FAKE_MAMBA_PIDS.
"""

import json
import os
import subprocess
import sys
import time

from uv import find_uv_bin


def say(text):
    print(f"fake-mamba: {text}", flush=True)


def create(args):
    assert args[:2] == ["-y", "-p"], args
    prefix, specs = args[2], args[3:]
    pythons = [spec.split("=", 1)[1] for spec in specs if spec.startswith("python=")]
    packages = [spec for spec in specs if not spec.startswith("python=") and spec != "pip"]
    say(f"solving environment for {prefix}")
    delay = float(os.environ.get("FAKE_MAMBA_SLEEP", "0"))
    if delay:
        say("downloading packages")
        child = subprocess.Popen(["sleep", str(delay)])
        with open(os.environ["FAKE_MAMBA_PIDS"], "w") as f:
            f.write(f"{os.getpid()} {child.pid}")
        child.wait()
    own = "{}.{}".format(*sys.version_info[:2])
    if pythons != [own]:
        sys.exit(f"fake-mamba: can only provide python={own}, not {pythons}")
    uv = find_uv_bin()
    subprocess.run([uv, "venv", "--seed", "--python", sys.executable, prefix], check=True)
    say("installing packages")
    python = os.path.join(prefix, "bin", "python")
    subprocess.run([uv, "pip", "install", "--python", python, *packages], check=True)
    os.makedirs(os.path.join(prefix, "conda-meta"), exist_ok=True)
    with open(os.path.join(prefix, "conda-meta", "history"), "w") as f:
        f.write(f"==> {time.ctime()} <==\n# cmd: mamba create {' '.join(args)}\n")
    say("done")


def list_packages(args):
    assert args[:2] == ["--json", "-p"], args
    python = os.path.join(args[2], "bin", "python")
    listing = subprocess.run(
        [python, "-m", "pip", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    packages = [
        {
            "name": p["name"].lower(),
            "version": p["version"],
            "channel": "pypi",
            "build_string": "pypi_0",
        }
        for p in json.loads(listing.stdout)
    ]
    print(json.dumps(packages))


def main():
    with open(os.environ["FAKE_MAMBA_LOG"], "a") as f:
        f.write(json.dumps(sys.argv) + "\n")
    command, args = sys.argv[1], sys.argv[2:]
    if command == "create":
        create(args)
    elif command == "list":
        list_packages(args)
    else:
        sys.exit(f"fake-mamba: unsupported command {command}")


if __name__ == "__main__":
    main()
