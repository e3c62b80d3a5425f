"""Dates in each reader's own style (FORMAT_MODULE_PATH): 1956年3月5日 /
5 March 1956, months 1956年3月 / March 1956, times on the 24-hour clock.

Only what is shown is set here; input formats stay Django's. Files, the JSON
and the addresses keep ISO (YYYY-MM, YYYY-MM-DD): they are written in code
or with an explicit "Y-m" format, never with these names."""
