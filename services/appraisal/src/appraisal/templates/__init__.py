"""The national appraisal template: versions, sections, scales; organisations' local questions."""
