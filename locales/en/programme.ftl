events-title = Events
events-none = There are no events in the programme yet.
event-about = About this event
times-in-zone = All times are in the { $zone } time zone.
join-call-to-action = Take part with your access code
programme-title = Programme
programme-empty = There are no sessions for this theme.
filter-label = Filter the programme
filter-theme = Show sessions about
filter-all-themes = All themes
filter-apply = Show
filter-clear = Show the whole programme
themes = Themes
session-organisations = Organisations
session-also-in = This workshop is given twice: also in { $block } at { $time }.
session-other-round-link = Go to the session in { $block }
session-ask-question = Ask your learning question
person-sessions = Sessions
search-title = Search the programme
search-label = Search for a session, person, theme or organisation
search-hint = Capitals and accents do not matter.
search-submit = Search
search-results = { $count ->
    [0] No results for ‘{ $query }’
    [one] 1 result for ‘{ $query }’
   *[other] { $count } results for ‘{ $query }’
}
