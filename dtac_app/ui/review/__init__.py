"""The parts of the review page (``ui/pages/review.py``): one module a tab, plus the picker and
the save-conflict view."""
