"""The verdict phase: the study's recommendation (:mod:`.recommendation`), and at the bottom the
words of a verdict and their combination (:mod:`.words`) and the formatting of numbers and
tests (:mod:`.text`), which the claims import too."""
