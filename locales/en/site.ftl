# The frame of every page.
site-name = Buurtgraph
skip-to-content = Skip to content
nav-label = Main menu
nav-programme = Programme
nav-agenda = Learning agenda
nav-search = Search
language-switch-en = English
language-switch-nl = Nederlands
footer-text = Buurtgraph: the programme and learning agenda of neighbourhood events.
back-to-start = Go to the start page
back-to-programme = Back to the programme

# Dates and times.
date-long = { $weekday } { $day } { $month } { $year }
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

# Error pages.
error-400-title = This request is not right
error-400-body = Something went wrong with what your browser sent. Go back and try again.
error-403-title = This page has expired
error-403-body = For your safety your form was not processed. Go back, reload the page and try again.
error-404-title = Page not found
error-404-body = This page does not exist (any more). Check the address or start from the start page.
error-409-title = That did not work
error-409-body = Someone else changed this just now. Reload the page and try again.
error-429-title = Please wait
error-429-body = Too many requests arrived at once. Wait a minute and try again.
error-500-title = Something went wrong
error-500-body = Something went wrong on our side. Please try again later.
error-503-title = Briefly unavailable
error-503-body = The service is briefly unavailable. Try again in a few seconds.

# Notices after an action.
notice-ingediend = Your question has been sent. A moderator will look at it; then others will see it.
notice-gestemd = You recognise this question. Thank you!
notice-ingetrokken = Your vote has been withdrawn.
notice-al-gestemd = You had already recognised this question.
notice-niet-gestemd = You had not voted for this question.
notice-te-snel = You are voting very fast. Wait a minute and try again.
notice-gesloten = Responding to this question is closed.
notice-mislukt = That did not work. Please try again.
notice-meegedaan = Welcome! You are taking part now. Ask your question under a theme.
notice-verlaten = You have signed out on this device. Your questions are kept.
notice-gegevens-verwijderd = Your questions and votes have been deleted and you are signed out.

# Forms.
error-summary-title = There is a problem
error-prefix = Error:
error-title-prefix = Error:
