"""PostgreSQL access: the pool, migrations, and one repository module per resource."""
