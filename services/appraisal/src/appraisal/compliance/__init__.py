"""A local projection of standards' compliance.changed: statutory and mandatory training."""
