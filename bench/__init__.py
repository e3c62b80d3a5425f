"""`make bench`: a big factory in PostgreSQL, measured against baselines."""
