"""The data layer: built-in and user datasets, validation, splits and downloads."""
