"""Removing a spec that a real, running kernel was started from."""

import json

from helpers import install_spec


async def test_remove_refuses_a_running_spec_unless_forced(api, jp_fetch, user_kernels):
    spec_dir = install_spec(user_kernels, "live")
    started = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "live"}))
    kernel_id = json.loads(started.body)["id"]
    try:
        status, reply = await api("live", method="DELETE")
        assert (status, reply["reason"]) == (409, "running")
        assert "1 running kernel" in reply["message"]
        assert (spec_dir / "kernel.json").is_file()

        status, _ = await api("live", method="DELETE", params={"force": "1"})
        assert status == 204
        assert not spec_dir.exists()
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")
