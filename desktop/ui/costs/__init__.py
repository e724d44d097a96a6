"""What things cost, in the window: totals with a small chart, billing choices, form hints."""
