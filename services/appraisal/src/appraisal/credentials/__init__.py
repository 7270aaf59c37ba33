"""Which appraisers are trained: a projection of standards' credentials for appraisal skills."""
