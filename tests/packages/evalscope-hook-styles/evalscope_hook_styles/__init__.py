"""Hook implementations in the styles pluggy allows, one plugin per module."""
