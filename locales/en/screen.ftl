# The studio screen (/events/{slug}/scherm).
screen-title = Questions on screen: { $event }
screen-votes = recognised
screen-empty = No questions yet. Scan the code and ask the first!
screen-join = Join in
screen-scan = Scan with your phone
screen-code = or go to the site and enter the code:
screen-no-code = Ask the organisers for the access code.
screen-now = Now at the table
