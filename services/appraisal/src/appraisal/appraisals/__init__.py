"""The single national appraisal: what was delivered, how, and where the person wants to go."""
