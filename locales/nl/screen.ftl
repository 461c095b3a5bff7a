# Het studioscherm (/events/{slug}/scherm).
screen-title = Vragen op het scherm: { $event }
screen-votes = keer herkend
screen-empty = Nog geen vragen. Scan de code en stel de eerste!
screen-join = Doe mee
screen-scan = Scan met je telefoon
screen-code = of ga naar de site en vul de code in:
screen-no-code = Vraag de organisatie om de toegangscode.
screen-now = Nu aan tafel
