"""Multi-source feedback: raters asked by category, answers shown only in aggregate."""
