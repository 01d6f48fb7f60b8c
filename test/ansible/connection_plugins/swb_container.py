# Ansible connection plugin for the tests only: reaches a booted systemd-nspawn
# container (test/helpers/container.ts) the way the helper's exec() does, with
# nsenter into the namespaces of the container's init. There is no sshd in the
# container and no machined on the host, so neither ssh nor machinectl can be
# used; community.docker.nsenter comes close but keeps the controller's
# environment and reads whole files into memory to copy them.
#
# Commands run as root in a clean environment. Files are streamed through a
# pipe into `cat` inside the container (not written through the container's
# root path on the host: /tmp and /run inside are the container's own tmpfs).
# Pipelining is supported, so a module is one nsenter per task.
from __future__ import annotations

DOCUMENTATION = """
name: swb_container
short_description: run in a systemd-nspawn container through nsenter into its init
description:
  - Runs commands in the namespaces of the container's init (mount, uts, ipc, net, pid, cgroup, root) as root.
  - For Switchboard's tests; not for production use.
options:
  leader:
    description: the container init's PID, as seen from the host
    type: int
    vars:
      - name: swb_container_leader
"""

import os
import shlex
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

display = Display()

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Connection(ConnectionBase):
    transport = "swb_container"
    has_pipelining = True
    default_user = "root"

    def _connect(self):
        if not self._connected:
            leader = self.get_option("leader")
            if not leader or not os.path.exists(f"/proc/{leader}/ns/mnt"):
                raise AnsibleConnectionFailure(f"no container init with PID {leader!r} (set swb_container_leader)")
            self._leader = int(leader)
            self._connected = True
        return self

    def _argv(self, shell_command):
        return [
            "nsenter", "--target", str(self._leader),
            "--mount", "--uts", "--ipc", "--net", "--pid", "--cgroup", "--root", "--wd", "--",
            "/usr/bin/env", "-i", f"PATH={PATH}", "HOME=/root", "LANG=C.UTF-8",
            "/bin/sh", "-c", shell_command,
        ]

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        display.vvv(f"EXEC {cmd}", host=self._play_context.remote_addr)
        p = subprocess.Popen(
            self._argv(to_text(cmd)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        stdout, stderr = p.communicate(in_data)
        return p.returncode, stdout, stderr

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        display.vvv(f"PUT {in_path} TO {out_path}", host=self._play_context.remote_addr)
        try:
            with open(to_bytes(in_path, errors="surrogate_or_strict"), "rb") as src:
                p = subprocess.run(self._argv(f"cat > {shlex.quote(out_path)}"), stdin=src, capture_output=True, check=False)
        except OSError as e:
            raise AnsibleError(f"cannot read {in_path}: {e}") from e
        if p.returncode != 0:
            raise AnsibleError(f"failed to put {in_path} to {out_path}: {to_text(p.stderr)}")

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        display.vvv(f"FETCH {in_path} TO {out_path}", host=self._play_context.remote_addr)
        with open(to_bytes(out_path, errors="surrogate_or_strict"), "wb") as dst:
            p = subprocess.run(self._argv(f"cat {shlex.quote(in_path)}"), stdout=dst, stderr=subprocess.PIPE, check=False)
        if p.returncode != 0:
            raise AnsibleError(f"failed to fetch {in_path}: {to_text(p.stderr)}")

    def close(self):
        self._connected = False
