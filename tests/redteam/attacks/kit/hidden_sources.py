"""Candidate-side code several leak attacks share: find the hidden tests' sources
anywhere the submission process can read, public tests left out."""

import os as _os


def _hidden_sources():
    found = {}
    for root in ("/work/tests", "/work/grader", "/work", "/tmp", "/"):
        for dirpath, dirnames, files in _os.walk(root):
            if dirpath.startswith(("/proc", "/sys", "/usr", "/dev", "/work/submission")):
                dirnames[:] = []
                continue
            for name in files:
                if name.startswith("test_lru") or name == "lru_fakes.py":
                    try:
                        with open(_os.path.join(dirpath, name)) as source:
                            found.setdefault(_os.path.join(dirpath, name), source.read())
                    except OSError:
                        pass
        if found:
            break
    return [text for path, text in sorted(found.items()) if "public" not in path]
