"""What the `exray run` test scripts (check.py, attack.py) ask of the machine first."""
from __future__ import annotations

import shutil
import subprocess


def skip_reason(exray: str, sandbox: bool) -> str | None:
    """Why runs cannot be made here (no ptrace: containers without
    CAP_SYS_PTRACE, Yama 3; no user namespaces for the sandbox), or None."""
    true_exe = shutil.which("true") or "/bin/true"
    probe = subprocess.run([exray, "run", true_exe, "--no-sandbox", "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    if probe.returncode != 0 and "PTRACE_SEIZE" in probe.stderr:
        return probe.stderr.strip()
    if sandbox:
        probe = subprocess.run([exray, "run", true_exe, "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        if probe.returncode != 0 and "namespace" in probe.stderr:
            return f"the sandbox needs user namespaces: {probe.stderr.strip()}"
    return None
