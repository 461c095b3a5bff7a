# The Excel download for staff (/exports/learning-questions.xlsx).
xlsx-sheet-summary = Summary
xlsx-column-theme = Theme
xlsx-column-dimension = Counted by
xlsx-column-value = Value
xlsx-column-count = Count
xlsx-column-text = Learning question
xlsx-column-context = Context
xlsx-column-status = Status
xlsx-column-votes = Recognised
xlsx-column-role = Who asks
xlsx-column-formats = Preferred formats
xlsx-column-region = Region
xlsx-column-session = Session
xlsx-column-created = Submitted ({ $timezone })
xlsx-column-duplicate-of = Duplicate of (ID)
xlsx-column-id = ID
xlsx-dimension-total = Learning questions
xlsx-dimension-votes = Recognised
xlsx-dimension-status = Status
xlsx-dimension-role = Who asks
xlsx-dimension-format = Format
xlsx-dimension-session = Session
xlsx-dimension-region = Region
xlsx-no-session = No session
xlsx-no-region = No region

# The staff page (/staf/{slug}).
staff-title = Staff overview: { $event }
staff-filters = Filters
staff-filter-theme = Theme
staff-filter-session = Session
staff-filter-status = Status
staff-filter-all = All
staff-filter-apply = Apply filters
staff-filter-clear = Clear filters
staff-downloads = Downloads and report
staff-download-xlsx = Learning questions as an Excel file (.xlsx)
staff-download-csv = Learning questions as CSV
staff-download-json = Learning questions as JSON
staff-download-summary = Counts per theme as CSV
staff-report = The learning-agenda report (to print or save as PDF)
staff-count-total = Learning questions
staff-count-approved = Approved
staff-count-pending = Awaiting a moderator
staff-count-votes = Recognised
staff-chart-status = By status
staff-chart-role = Who asks
staff-chart-format = Preferred formats
staff-chart-session = By session
staff-chart-region = By region
staff-chart-timeline = Submitted per hour ({ $timezone })
staff-chart-as-table = As a table
staff-table-what = What
staff-table-when = When
staff-table-count = Count
staff-no-session = No session
staff-no-region = No region
staff-top = Most recognised questions
staff-top-none = No approved questions yet.
staff-votes = { $count ->
    [one] recognised once
   *[other] recognised { $count } times
}
staff-clusters = Groups of similar questions
staff-clusters-none = No groups of similar questions yet.
staff-cluster-size = ({ $size } questions, recognised { $votes } times)
staff-no-questions = No learning questions with these filters yet.
staff-log = Moderators' log
staff-log-none = No moderator actions yet.
staff-log-when = When
staff-log-who = Who
staff-log-what = What
staff-log-question = Question
staff-action-APPROVE = Approved
staff-action-REJECT = Rejected
staff-action-MARK_DUPLICATE = Marked as duplicate
staff-action-HIDE = Hidden
staff-action-RESTORE = Restored
staff-links = Screen links
staff-links-intro = A screen link opens the studio screen on a computer in the room without anyone signing in there. Revoke a link when it is no longer needed.
staff-links-open = Open the studio screen
staff-links-label = Used where
staff-links-default-label = Studio
staff-links-create = Make a screen link
staff-links-created = The screen link has been made. Copy it now: it is shown only once.
staff-links-state = State
staff-links-revoke = Revoke
staff-links-revoked = Revoked on { $when }
staff-notice-revoked = The screen link has been revoked. It no longer opens the screen.

# Charts.
chart-desc = { $total } in total; most: { $label } ({ $count }).
chart-empty = Nothing to count yet.

# How questions are moderated (beforehand or afterwards), per event or theme.
staff-mode = How questions are moderated
staff-mode-intro = Beforehand: a moderator approves every question first. Afterwards: questions appear at once and moderators hide what does not belong. One moderator cannot keep up with a room of a thousand beforehand; choose per theme.
staff-mode-whole-event = The whole event
staff-mode-choice = Questions are moderated
staff-mode-save = Save
staff-notice-mode = How questions are moderated has been saved.
staff-discussed = Discussed in the session
staff-discussed-none = No question marked as discussed yet.
