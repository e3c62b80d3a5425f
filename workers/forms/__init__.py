"""The workers' forms: the base every form of the project derives from (base),
the roster's (roster), the monthly records' (records), the quota reviews'
(quota_reviews), the advanced experiences' and mastery's (experiences)."""
