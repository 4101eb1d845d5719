"""Reputation and eligibility in the service: the pure core in `scoring/`, wired to PostgreSQL.

history   events in: the API's single writes, bulk imports, graded submissions
refresh   materialised reputations per candidate and tier, and the refresher loop
scorers   which scorer serves: the promoted model, else the documented prior
training  train, compare on the same hold-out, promote only a better model
decide    eligibility decisions, their audit trail, and eligibility.changed
"""
