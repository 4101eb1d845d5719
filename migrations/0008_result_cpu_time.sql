-- The CPU time a run used, by the sandbox cgroup's own account. Like the wall time (the
-- harness's clock inside the container), it is measured on the container's side, so a
-- stalled engine on the host can never add to a candidate's time.
ALTER TABLE results ADD COLUMN cpu_ms integer NOT NULL DEFAULT 0 CHECK (cpu_ms >= 0);
