"""A local projection of the people directory, kept current from talent's person.changed."""
