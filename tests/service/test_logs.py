import json
import logging

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
