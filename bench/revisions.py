# SPDX-License-Identifier: MPL-2.0
"""Serving another git revision beside this tree in the same run (bench/inbox.py --compare REF):
a temporary detached worktree and a gunicorn started in it on the same database, keys and session.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.services import BIN, ROOT, popen_logged


def checkout(ref: str) -> tuple[Path, str]:
    """A temporary detached worktree of git revision `ref` (removed by `remove_checkout`), and its commit."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    tree = Path(tempfile.mkdtemp(prefix="civicloop-bench-before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), commit], cwd=ROOT, check=True)
    return tree, commit


def remove_checkout(tree: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    shutil.rmtree(tree.parent, ignore_errors=True)


def start_gunicorn_in(tree: Path, env: dict[str, str], port: int, workers: int, log_dir: Path) -> Any:
    """gunicorn as bench/services.py starts it, serving the code of another checkout (same database, keys, session)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / "gunicorn"), "config.wsgi:application", "--chdir", str(tree), "--bind", f"127.0.0.1:{port}",
           "--worker-class", "sync", "--workers", str(workers), "--log-level", "warning",
           "--error-logfile", str(log_dir / "gunicorn-error.log")]  # fmt: skip
    tree_env = {**env, "PYTHONPATH": str(tree), "CIVICLOOP_VAR_DIR": str(log_dir)}
    return popen_logged(cmd, cwd=tree, env=tree_env, log_path=log_dir / "gunicorn-stdout.log")
