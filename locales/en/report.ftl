# The learning-agenda report (/reports/{slug}/leeragenda), for printing.
report-title = Learning agenda — { $event }
report-heading = Learning agenda: { $event }
report-meta = Participants' input per theme · { $total ->
    [one] 1 learning question
   *[other] { $total } learning questions
} · made { $time }
report-count-total = { $count ->
    [one] learning question
   *[other] learning questions
}
report-count-approved = approved
report-count-pending = to review
report-count-votes = { $count ->
    [one] time recognised
   *[other] times recognised
}
report-top = Most recognised questions
report-discussed = Discussed in the session
report-clusters = Groups of similar questions
report-cluster-size = { $size } questions, recognised { $votes }×
report-notes = Moderators' notes
report-empty = No learning questions yet.
