import json
import logging
import os
import pty
import subprocess
import sys

from service.logs import JsonFormatter


def test_log_lines_are_json_objects_with_extra_fields():
    record = logging.LogRecord(
        "trialgate.worker", logging.INFO, __file__, 1, "graded %s", ("s1",), None
    )
    record.verdict = "accepted"
    record.color_message = "\x1b[36mgraded\x1b[0m"
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "graded s1"
    assert line["level"] == "info" and line["logger"] == "trialgate.worker"
    assert line["verdict"] == "accepted"
    assert "color_message" not in line


def _logged(stderr_is_a_terminal: bool, env: dict[str, str] | None = None) -> str:
    """What a process logging one warning writes to stderr, a terminal or a pipe."""
    code = (
        "from service import logs\nfrom service.settings import settings_from_environment\n"
        "logs.configure(json=settings_from_environment().log_json)\n"
        "import logging\nlogging.getLogger('trialgate.x').warning('port %s taken', 8000)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "TRIALGATE_LOG_JSON"}
    environment |= env or {}
    if not stderr_is_a_terminal:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=environment
        )
        return done.stderr
    main, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-c", code], stderr=follower, stdout=subprocess.DEVNULL, env=environment
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=30)
    os.close(main)
    return b"".join(chunks).decode()


def test_logs_are_readable_at_a_terminal_and_json_elsewhere():
    at_terminal = _logged(stderr_is_a_terminal=True)
    assert "WARNING trialgate.x: port 8000 taken" in at_terminal and "{" not in at_terminal
    piped = json.loads(_logged(stderr_is_a_terminal=False).strip())
    assert piped["msg"] == "port 8000 taken" and piped["level"] == "warning"
    forced = _logged(stderr_is_a_terminal=True, env={"TRIALGATE_LOG_JSON": "1"})
    assert json.loads(forced.strip())["msg"] == "port 8000 taken"
