"""Trial packages and candidates' files: format, validation, safe reading, hashing.

- `trials.manifest`: `trial.toml`, parsed and validated (`parse_manifest`).
- `trials.package`: a whole trial package (`load_package`, `package_to_archive`,
  `starter_archive`).
- `trials.bundle`: the candidate's download (starter, statement, public tests,
  a generated `TRIALGATE.md`) and the names it reserves, dropped again from
  what candidates send back (`bundle_files`, `without_bundle_extras`).
- `trials.archives`: untrusted folders, tar/tar.gz/zip archives and JSON file
  maps read safely (`read_tree`, `read_file_map`); deterministic `write_tar`,
  `write_zip`; `tree_sha256`.
- `trials.submissions`: a candidate's files (`read_submission`,
  `harness_shadowing`, `submission_sha256`).
- `trials.errors`: `TrialError`, `TrialPackageInvalid` (every `Problem` found),
  `SubmissionRejected` (a code, a path, a message).

Pure code: no I/O beyond reading the paths it is given, no Docker, no database.
"""
