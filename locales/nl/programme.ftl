events-title = Evenementen
events-none = Er staan nog geen evenementen in het programma.
event-about = Over dit evenement
times-in-zone = Alle tijden zijn in de tijdzone { $zone }.
join-call-to-action = Meedoen met je toegangscode
programme-title = Programma
programme-empty = Er zijn geen sessies voor dit thema.
filter-label = Programma filteren
filter-theme = Toon sessies over
filter-all-themes = Alle thema's
filter-apply = Toon
filter-clear = Toon het hele programma
themes = Thema's
session-organisations = Organisaties
session-also-in = Deze workshop wordt twee keer gegeven: ook in { $block } om { $time }.
session-other-round-link = Naar de sessie in { $block }
session-ask-question = Stel je leervraag
person-sessions = Sessies
search-title = Zoeken in het programma
search-label = Zoek op sessie, persoon, thema of organisatie
search-hint = Hoofdletters en accenten maken niet uit.
search-submit = Zoeken
search-results = { $count ->
    [0] Geen resultaten voor ‘{ $query }’
    [one] 1 resultaat voor ‘{ $query }’
   *[other] { $count } resultaten voor ‘{ $query }’
}
