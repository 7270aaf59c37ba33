"""The standards service: standards, curriculum, providers, learner records and credentials."""
