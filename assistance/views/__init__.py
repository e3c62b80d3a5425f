"""Help-case pages. Access is decided in assistance.access; writes go
through assistance.services."""
