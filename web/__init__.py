"""Templates and static assets of the kansenkaart web map."""
