"""HTTP handlers, one module per resource; each delegates to a service or repository."""
