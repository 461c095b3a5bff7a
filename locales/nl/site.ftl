# Het raamwerk van elke pagina.
site-name = Buurtgraph
skip-to-content = Naar de inhoud
nav-label = Hoofdmenu
nav-programme = Programma
nav-agenda = Leeragenda
nav-search = Zoeken
language-switch-en = English
language-switch-nl = Nederlands
footer-text = Buurtgraph: het programma en de leeragenda van buurtevenementen.
back-to-start = Naar de startpagina
back-to-programme = Terug naar het programma

# Datums en tijden.
date-long = { $weekday } { $day } { $month } { $year }
weekday-1 = maandag
weekday-2 = dinsdag
weekday-3 = woensdag
weekday-4 = donderdag
weekday-5 = vrijdag
weekday-6 = zaterdag
weekday-7 = zondag
month-1 = januari
month-2 = februari
month-3 = maart
month-4 = april
month-5 = mei
month-6 = juni
month-7 = juli
month-8 = augustus
month-9 = september
month-10 = oktober
month-11 = november
month-12 = december

# Foutpagina's.
error-400-title = Dit verzoek klopt niet
error-400-body = Er ging iets mis met wat je browser stuurde. Ga terug en probeer het opnieuw.
error-403-title = Deze pagina is verlopen
error-403-body = Uit veiligheid werd je formulier niet verwerkt. Ga terug, laad de pagina opnieuw en probeer het nog eens.
error-404-title = Pagina niet gevonden
error-404-body = Deze pagina bestaat niet (meer). Controleer het adres of begin op de startpagina.
error-409-title = Dit kon niet
error-409-body = Iemand anders veranderde dit net. Laad de pagina opnieuw en probeer het nog eens.
error-429-title = Even wachten
error-429-body = Er kwamen te veel verzoeken tegelijk binnen. Wacht een minuut en probeer het opnieuw.
error-500-title = Er ging iets mis
error-500-body = Er ging aan onze kant iets mis. Probeer het later opnieuw.
error-503-title = Even niet bereikbaar
error-503-body = De dienst is tijdelijk niet bereikbaar. Probeer het over een paar seconden opnieuw.

# Meldingen na een actie.
notice-ingediend = Je vraag is verstuurd. Een moderator bekijkt hem; daarna zien anderen hem.
notice-gestemd = Je herkent deze vraag. Dank je!
notice-ingetrokken = Je stem is ingetrokken.
notice-al-gestemd = Je had deze vraag al herkend.
notice-niet-gestemd = Je had op deze vraag nog niet gestemd.
notice-te-snel = Je stemt erg snel. Wacht een minuut en probeer het opnieuw.
notice-gesloten = Reageren op deze vraag kan niet meer.
notice-mislukt = Dat lukte niet. Probeer het opnieuw.
notice-meegedaan = Welkom! Je doet nu mee. Stel je vraag bij een thema.
notice-verlaten = Je bent afgemeld op dit apparaat. Je vragen blijven bewaard.
notice-gegevens-verwijderd = Je vragen en stemmen zijn verwijderd en je bent afgemeld.

# Formulieren.
error-summary-title = Er is een probleem
error-prefix = Fout:
error-title-prefix = Fout:
