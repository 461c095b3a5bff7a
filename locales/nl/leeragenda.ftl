join-title = Meedoen
join-intro = Doe mee met { $event }: stel je leervragen en herken die van anderen. Je hebt alleen de toegangscode nodig.
join-code-label = Toegangscode
join-code-hint = Die staat op het scherm of bij de QR-code. Hoofdletters en spaties maken niet uit.
join-submit = Meedoen
join-already = Je doet al mee op dit apparaat.
join-privacy = We vragen geen naam of e-mailadres. Dit apparaat onthoudt dat je meedoet met een cookie.

agenda-title = Leeragenda
agenda-intro = Wat wil jij leren over de wijkaanpak? Stel je vraag bij een thema van { $event }, of herken de vragen van anderen.
agenda-join-first-title = Eerst meedoen
agenda-join-first = Om vragen te stellen en te herkennen doe je mee met de toegangscode van het evenement.
agenda-toc = Op deze pagina
guiding-questions = Richtvragen
theme-closed = Vragen stellen bij dit thema kan nu niet.
ask-open = Stel een vraag over dit thema
ask-submit = Vraag versturen

field-text = Je leervraag
field-text-hint = Tussen 10 en 1000 tekens.
field-context = Je situatie (niet verplicht)
field-context-hint = Wat maakt deze vraag voor jou belangrijk? Hooguit 2000 tekens.
field-role = Wie ben je? (niet verplicht)
field-formats = Hoe leer je het liefst? (niet verplicht)
field-formats-hint = Kies er zoveel als je wilt.
field-region = Gemeente of regio (niet verplicht)
field-region-hint = Bijvoorbeeld Rotterdam-Zuid.
field-session = In welke sessie zit je? (niet verplicht)
field-session-none = Geen sessie

approved-title = Vragen van anderen
approved-none = Er zijn nog geen goedgekeurde vragen bij dit thema.
question-votes = { $count ->
    [one] 1 keer herkend
   *[other] { $count } keer herkend
}
question-votes-live = keer herkend
question-recognise = Ik herken deze vraag
question-withdraw = Stem intrekken
question-mine = Jouw vraag
similar-title = Lijkt je vraag op een van deze?
similar-already-recognised = Je herkent deze al

mine-title = Mijn vragen
mine-none = Je hebt nog geen vragen gesteld.
mine-reason = Reden van de moderator
mine-pending-explained = Een moderator bekijkt je vraag nog.

data-title = Mijn gegevens
data-intro = We bewaren alleen je vragen en je stemmen, zonder naam. Je kunt ze downloaden of verwijderen.
data-download = Download mijn gegevens (JSON)
data-delete-explained = Verwijderen haalt al je vragen en stemmen weg en meldt je af. Dit kun je niet ongedaan maken.
data-delete = Verwijder mijn gegevens
leave-explained = Afmelden op dit apparaat. Je vragen blijven bewaard.
leave = Afmelden

error-access-code-wrong = Deze toegangscode klopt niet. Controleer de code en probeer het opnieuw.
error-rate-limited = Er kwamen te veel pogingen tegelijk. Probeer het over { $seconds } seconden opnieuw.
error-unavailable = Dat lukte even niet. Probeer het over een paar seconden opnieuw.
error-try-again = Dat lukte niet. Probeer het opnieuw.
error-text-too-short = Je vraag is te kort: gebruik minstens { $min } tekens.
error-text-too-long = Je vraag is te lang: gebruik hooguit { $max } tekens.
error-too-long = Dit is te lang: gebruik hooguit { $max } tekens.
error-invalid-characters = Hier staan tekens in die we niet kunnen bewaren. Haal ze weg en probeer het opnieuw.
error-feedback-closed = Vragen stellen bij deze sessie of dit thema kan niet meer.
error-session-not-of-theme = Deze sessie hoort niet bij dit thema. Kies een andere sessie of geen.
error-session-unknown = Kies een sessie uit de lijst.
error-theme-unknown = Kies een thema van dit evenement.
error-choose-from-list = Kies uit de lijst.
