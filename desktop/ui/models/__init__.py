"""The model browser: find, understand and pick a model for a tab, without knowing Hub ids."""
