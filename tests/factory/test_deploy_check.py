"""`check --deploy --fail-level WARNING` is clean with production values."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_check(extra_env):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "HTTPS",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_deploy_check_is_clean_with_production_values():
    result = _run_check(
        {
            "SECRET_KEY": "Zq3" + "x9Lm2Pw8Rt5Vb7Nc4Hd6Jf1Gk0Sa" * 2,
            "ALLOWED_HOSTS": "catchup.example.org",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_will_not_start_without_a_secret_key():
    result = _run_check({"ALLOWED_HOSTS": "catchup.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
