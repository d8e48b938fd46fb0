"""What the Go check scripts (types_check, runtime_check, live_check,
runtime_code_check) share: a tally of checks, and hermetic builds with the
local Go (no network, no toolchain download, a scratch build cache)."""

import argparse
import os
import shutil
import subprocess

SKIP = 77  # ctest's SKIP_RETURN_CODE for these scripts


class Tally:
    """check(ok, what): counts, and prints "FAIL what" when ok is false."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL", what)

    def summary(self):
        return f"{self.passed} passed, {self.failed} failed"

    def status(self):
        return 1 if self.failed else 0


def go_env(scratch):
    return dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod", GOTOOLCHAIN="local", CGO_ENABLED="0",
                GOCACHE=os.path.join(scratch, "gocache"), GOPATH=os.path.join(scratch, "gopath"))


def build(src, out, env, *flags):
    subprocess.run(["go", "build", "-o", out, *flags, "."], cwd=src, env=env, check=True, timeout=600)


def parse_args():
    """--exray and --scratch (made absolute and created); None when there is
    no go on PATH, after saying so: the caller returns SKIP."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--releases", default="27",
                    help="Go 1.N releases from Debian (see backport_go) to check too, comma-separated")
    ap.add_argument("--releases-only", action="store_true", help="check only those releases, not the local Go")
    args = ap.parse_args()
    args.releases = [int(m) for m in args.releases.split(",") if m]
    if not shutil.which("go"):
        print("skip: no go")
        return None
    args.scratch = os.path.abspath(args.scratch)
    os.makedirs(args.scratch, exist_ok=True)
    return args


# Where scripts/dev.sh's install_go_newer unpacks Go 1.24 to 1.27 (Debian 13
# and unstable packages, not installed on Debian 12).
GO_NEWER = "/opt/exray-go"


def backport_go(minor):
    """The bin directory of Go 1.N from Debian: bookworm-backports' golang-1.N
    installed (1.21 to 1.23), or Debian 13's or unstable's unpacked under
    GO_NEWER (1.24 on); None after saying the part is skipped."""
    for d in (f"/usr/lib/go-1.{minor}/bin", f"{GO_NEWER}/usr/lib/go-1.{minor}/bin"):
        if os.path.exists(os.path.join(d, "go")):
            return d
    print(f"skip go1.{minor}: no golang-1.{minor}-go (scripts/dev.sh test installs it)")
    return None
