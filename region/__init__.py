"""The prefecture server: many halls' event logs on PostgreSQL, one catalogue standard, one view."""
