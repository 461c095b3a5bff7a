join-title = Take part
join-intro = Take part in { $event }: ask your learning questions and recognise those of others. All you need is the access code.
join-code-label = Access code
join-code-hint = It is on the screen or next to the QR code. Capitals and spaces do not matter.
join-submit = Take part
join-already = You are already taking part on this device.
join-privacy = We ask for no name or e-mail address. This device remembers that you take part with a cookie.

agenda-title = Learning agenda
agenda-intro = What do you want to learn about the neighbourhood approach? Ask your question under a theme of { $event }, or recognise the questions of others.
agenda-join-first-title = Take part first
agenda-join-first = To ask and recognise questions, take part with the event's access code.
agenda-toc = On this page
guiding-questions = Guiding questions
theme-closed = Asking questions on this theme is not possible now.
ask-open = Ask a question on this theme
ask-submit = Send question

field-text = Your learning question
field-text-hint = Between 10 and 1000 characters.
field-context = Your situation (optional)
field-context-hint = What makes this question important to you? At most 2000 characters.
field-role = Who are you? (optional)
field-formats = How do you like to learn? (optional)
field-formats-hint = Choose as many as you like.
field-region = Municipality or region (optional)
field-region-hint = For example Rotterdam-Zuid.
field-session = Which session are you in? (optional)
field-session-none = No session

approved-title = Questions from others
approved-none = There are no approved questions on this theme yet.
question-votes = { $count ->
    [one] recognised once
   *[other] recognised { $count } times
}
question-votes-live = times recognised
question-recognise = I recognise this question
question-withdraw = Withdraw my vote
question-mine = Your question
similar-title = Is your question like one of these?
similar-already-recognised = You recognise this already

mine-title = My questions
mine-none = You have not asked any questions yet.
mine-reason = The moderator's reason
mine-pending-explained = A moderator has not looked at your question yet.

data-title = My data
data-intro = We keep only your questions and your votes, without a name. You can download or delete them.
data-download = Download my data (JSON)
data-delete-explained = Deleting removes all your questions and votes and signs you out. This cannot be undone.
data-delete = Delete my data
leave-explained = Sign out on this device. Your questions are kept.
leave = Sign out

error-access-code-wrong = This access code is not right. Check the code and try again.
error-rate-limited = Too many attempts at once. Try again in { $seconds } seconds.
error-unavailable = That did not work just now. Try again in a few seconds.
error-try-again = That did not work. Please try again.
error-text-too-short = Your question is too short: use at least { $min } characters.
error-text-too-long = Your question is too long: use at most { $max } characters.
error-too-long = This is too long: use at most { $max } characters.
error-invalid-characters = This contains characters we cannot store. Remove them and try again.
error-feedback-closed = Asking questions in this session or on this theme is closed.
error-session-not-of-theme = This session does not belong to this theme. Choose another session or none.
error-session-unknown = Choose a session from the list.
error-theme-unknown = Choose a theme of this event.
error-choose-from-list = Choose from the list.
