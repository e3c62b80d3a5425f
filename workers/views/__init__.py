"""The workers' pages: the roster and workshops (roster), the imports
(imports), the monthly records (records), the quota reviews
(quota_reviews), the advanced experiences and mastery (experiences); routes
in workers/urls.py."""
