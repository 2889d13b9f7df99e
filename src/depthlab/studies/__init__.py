"""The depth study: baseline, shallow and deep networks side by side, over seeds and data sizes."""
