# Het leeragenda-rapport (/reports/{slug}/leeragenda), om af te drukken.
report-title = Leeragenda — { $event }
report-heading = Leeragenda: { $event }
report-meta = Input van deelnemers per thema · { $total ->
    [one] 1 leervraag
   *[other] { $total } leervragen
} · gemaakt { $time }
report-count-total = { $count ->
    [one] leervraag
   *[other] leervragen
}
report-count-approved = goedgekeurd
report-count-pending = te beoordelen
report-count-votes = keer herkend
report-top = Meest herkende vragen
report-discussed = Besproken in de sessie
report-clusters = Clusters van vergelijkbare vragen
report-cluster-size = { $size } vragen, { $votes }× herkend
report-notes = Notities van moderatoren
report-empty = Nog geen leervragen.
