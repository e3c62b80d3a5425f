"""The workers' pages: the roster and workshops (roster), the imports
(imports), the monthly records (records); routes in workers/urls.py."""
