"""Who may do what with a village's 村规民约, named on the role sets of app/org/access.py."""

from app.org.access import ADMINS, COMMITTEE, OFFICIALS

KEEPERS = OFFICIALS  # set the first text down, record the 议事会 discussion (the decision's steps: officials)
PROPOSERS = OFFICIALS | COMMITTEE  # propose an amendment (it opens a 四议两公开 decision)
CHECKERS = ADMINS  # run the 村规民约大体检 over a village's text: the township (and the county over it)
