# De Excel-download voor staf (/exports/learning-questions.xlsx).
xlsx-sheet-summary = Samenvatting
xlsx-column-theme = Thema
xlsx-column-dimension = Onderdeel
xlsx-column-value = Waarde
xlsx-column-count = Aantal
xlsx-column-text = Leervraag
xlsx-column-context = Toelichting
xlsx-column-status = Status
xlsx-column-votes = Keer herkend
xlsx-column-role = Wie vraagt
xlsx-column-formats = Gewenste leervormen
xlsx-column-region = Regio
xlsx-column-session = Sessie
xlsx-column-created = Ingediend ({ $timezone })
xlsx-column-duplicate-of = Dubbel van (ID)
xlsx-column-id = ID
xlsx-dimension-total = Leervragen
xlsx-dimension-votes = Keer herkend
xlsx-dimension-status = Status
xlsx-dimension-role = Wie vraagt
xlsx-dimension-format = Leervorm
xlsx-dimension-session = Sessie
xlsx-dimension-region = Regio
xlsx-no-session = Zonder sessie
xlsx-no-region = Zonder regio

# De stafpagina (/staf/{slug}).
staff-title = Overzicht voor staf: { $event }
staff-filters = Filters
staff-filter-theme = Thema
staff-filter-session = Sessie
staff-filter-status = Status
staff-filter-all = Alle
staff-filter-apply = Filter toepassen
staff-filter-clear = Filters wissen
staff-downloads = Downloads en rapport
staff-download-xlsx = Leervragen als Excel-bestand (.xlsx)
staff-download-csv = Leervragen als CSV
staff-download-json = Leervragen als JSON
staff-download-summary = Telling per thema als CSV
staff-report = Het leeragenda-rapport (om af te drukken of als PDF op te slaan)
staff-count-total = Leervragen
staff-count-approved = Goedgekeurd
staff-count-pending = Wacht op een moderator
staff-count-votes = Keer herkend
staff-chart-status = Per status
staff-chart-role = Wie vraagt
staff-chart-format = Gewenste leervormen
staff-chart-session = Per sessie
staff-chart-region = Per regio
staff-chart-timeline = Ingediend per uur ({ $timezone })
staff-chart-as-table = Als tabel
staff-table-what = Wat
staff-table-when = Wanneer
staff-table-count = Aantal
staff-no-session = Zonder sessie
staff-no-region = Zonder regio
staff-top = Meest herkende vragen
staff-top-none = Nog geen goedgekeurde vragen.
staff-votes = { $count ->
    [one] 1 keer herkend
   *[other] { $count } keer herkend
}
staff-clusters = Groepen van vergelijkbare vragen
staff-clusters-none = Nog geen groepen van vergelijkbare vragen.
staff-cluster-size = ({ $size } vragen, { $votes } keer herkend)
staff-no-questions = Nog geen leervragen bij deze filters.
staff-log = Logboek van moderatoren
staff-log-none = Nog geen acties van moderatoren.
staff-log-when = Wanneer
staff-log-who = Wie
staff-log-what = Wat
staff-log-question = Vraag
staff-action-APPROVE = Goedgekeurd
staff-action-REJECT = Afgewezen
staff-action-MARK_DUPLICATE = Als dubbel gemarkeerd
staff-action-HIDE = Verborgen
staff-action-RESTORE = Teruggezet
staff-links = Schermlinks
staff-links-intro = Een schermlink opent het studioscherm op een computer in de zaal zonder dat iemand daar inlogt. Trek een link in als hij niet meer nodig is.
staff-links-open = Het studioscherm openen
staff-links-label = Waar gebruikt
staff-links-default-label = Studio
staff-links-create = Schermlink maken
staff-links-created = De schermlink is gemaakt. Kopieer hem nu: hij wordt maar één keer getoond.
staff-links-state = Stand
staff-links-revoke = Intrekken
staff-links-revoked = Ingetrokken op { $when }
staff-notice-revoked = De schermlink is ingetrokken. Hij opent het scherm niet meer.

# Grafieken.
chart-desc = In totaal { $total }; het meest: { $label } ({ $count }).
chart-empty = Nog niets te tellen.

# Manier van modereren (vooraf of achteraf), per evenement of thema.
staff-mode = Manier van modereren
staff-mode-intro = Vooraf: een moderator keurt elke vraag eerst goed. Achteraf: vragen verschijnen meteen en moderatoren verbergen wat er niet hoort. Eén moderator kan een zaal van duizend niet vooraf bijhouden; kies per thema.
staff-mode-whole-event = Het hele evenement
staff-mode-choice = Vragen worden gemodereerd
staff-mode-save = Opslaan
staff-notice-mode = De manier van modereren is opgeslagen.
staff-discussed = Besproken in de sessie
staff-discussed-none = Nog geen vraag als besproken gemarkeerd.
