"""The study's self-contained HTML report: figures (matplotlib, inline) and the page."""
